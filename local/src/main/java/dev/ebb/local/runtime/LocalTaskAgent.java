package dev.ebb.local.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The ECS agent's task scale-in protection endpoint, served on this machine for the local scaler's worker
 * processes: each worker gets {@code ECS_AGENT_URI=http://127.0.0.1:PORT/WORKER_ID} and speaks to
 * {@code PUT|GET $ECS_AGENT_URI/task-protection/v1/state} exactly as on ECS. Protection lapses after
 * {@code ExpiresInMinutes} (default 120, as ECS).
 */
final class LocalTaskAgent implements AutoCloseable {
    private static final String PATH = "/task-protection/v1/state";

    private record Protection(Instant until) {
    }

    private final HttpServer server;
    private final Clock clock;
    private final Map<String, Protection> protections = new ConcurrentHashMap<>();
    private final Map<String, Boolean> known = new ConcurrentHashMap<>();

    LocalTaskAgent(Clock clock) throws IOException {
        this.clock = clock;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(2, Thread.ofPlatform().name("task-agent-", 0).daemon()
                .factory()));
        server.start();
    }

    /** The {@code ECS_AGENT_URI} for one worker. */
    URI agentUri(String workerId) {
        known.put(workerId, true);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + workerId);
    }

    boolean isProtected(String workerId) {
        Protection protection = protections.get(workerId);
        return protection != null && protection.until().isAfter(clock.instant());
    }

    void forget(String workerId) {
        protections.remove(workerId);
        known.remove(workerId);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            int slash = path.indexOf('/', 1);
            String workerId = slash < 0 ? "" : path.substring(1, slash);
            if (slash < 0 || !path.substring(slash).equals(PATH) || !known.containsKey(workerId)) {
                send(exchange, 404, error("NotFound", "no task at " + path));
                return;
            }
            switch (exchange.getRequestMethod()) {
                case "GET" -> send(exchange, 200, state(workerId));
                case "PUT" -> put(exchange, workerId);
                default -> send(exchange, 405, error("InvalidParameterException", "use GET or PUT"));
            }
        }
    }

    private void put(HttpExchange exchange, String workerId) throws IOException {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(exchange.getRequestBody().readAllBytes());
        } catch (IOException e) {
            send(exchange, 400, error("InvalidParameterException", "the body is not JSON"));
            return;
        }
        JsonNode enabled = body == null ? null : body.get("ProtectionEnabled");
        if (enabled == null || !enabled.isBoolean()) {
            send(exchange, 400, error("InvalidParameterException", "ProtectionEnabled (boolean) is required"));
            return;
        }
        if (enabled.booleanValue()) {
            int minutes = body.path("ExpiresInMinutes").asInt(120);
            if (minutes < 1 || minutes > 2880) {
                send(exchange, 400, error("InvalidParameterException", "ExpiresInMinutes must be 1 to 2880"));
                return;
            }
            protections.put(workerId, new Protection(clock.instant().plus(Duration.ofMinutes(minutes))));
        } else {
            protections.remove(workerId);
        }
        send(exchange, 200, state(workerId));
    }

    private ObjectNode state(String workerId) {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        ObjectNode protection = answer.putObject("protection");
        Protection current = protections.get(workerId);
        boolean on = current != null && current.until().isAfter(clock.instant());
        if (on) {
            protection.put("ExpirationDate", current.until().toString());
        } else {
            protection.putNull("ExpirationDate");
        }
        protection.put("ProtectionEnabled", on);
        protection.put("TaskArn", "arn:aws:ecs:local:000000000000:task/ebb/" + workerId);
        return answer;
    }

    private static ObjectNode error(String code, String message) {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.putObject("error").put("Code", code).put("Message", message);
        return answer;
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
