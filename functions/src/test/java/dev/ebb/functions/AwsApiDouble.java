package dev.ebb.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A local HTTP server speaking the wire protocols of the two AWS APIs that have no emulator here: ECS (JSON 1.1,
 * {@code X-Amz-Target: AmazonEC2ContainerServiceV20141113.*}) for one service and its tasks, and Lambda's
 * {@code POST /2015-03-31/functions/NAME/invocations}. It answers from the state the test sets and records every
 * call; the real SDK clients talk to it unchanged.
 */
final class AwsApiDouble implements AutoCloseable {
    static final String CLUSTER = "ebb";
    static final String SERVICE = "ebb-gpu-workers";

    private final HttpServer server;
    final List<String> calls = new ArrayList<>();
    final List<String> invocations = new ArrayList<>();
    int desired;
    int running;
    int pending;
    /** Task id → scale-in protection on. */
    final Map<String, Boolean> tasks = new LinkedHashMap<>();

    AwsApiDouble() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private synchronized void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.startsWith("/2015-03-31/functions/")) {
                String type = exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type");
                invocations.add(path.split("/")[3] + " " + type + " " + new String(body, StandardCharsets.UTF_8));
                send(exchange, 202, "");
                return;
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = target == null ? "" : target.substring(target.indexOf('.') + 1);
            JsonNode request = Json.MAPPER.readTree(body);
            calls.add(operation);
            ObjectNode answer = Json.MAPPER.createObjectNode();
            switch (operation) {
                case "DescribeServices" -> {
                    ArrayNode services = answer.putArray("services");
                    if (request.path("cluster").asText().equals(CLUSTER)
                            && request.path("services").get(0).asText().equals(SERVICE)) {
                        services.add(service());
                    }
                    answer.putArray("failures");
                }
                case "ListTasks" -> {
                    ArrayNode arns = answer.putArray("taskArns");
                    tasks.keySet().forEach(id -> arns.add(taskArn(id)));
                }
                case "GetTaskProtection" -> {
                    ArrayNode protectedTasks = answer.putArray("protectedTasks");
                    if (request.path("tasks").size() > 10) {
                        send(exchange, 400, "{\"__type\":\"InvalidParameterException\",\"message\":\"at most 10\"}");
                        return;
                    }
                    request.path("tasks").forEach(arn -> {
                        String id = arn.asText().substring(arn.asText().lastIndexOf('/') + 1);
                        protectedTasks.addObject().put("taskArn", arn.asText())
                                .put("protectionEnabled", tasks.getOrDefault(id, false));
                    });
                    answer.putArray("failures");
                }
                case "UpdateService" -> {
                    desired = request.path("desiredCount").asInt();
                    calls.set(calls.size() - 1, "UpdateService desiredCount=" + desired);
                    answer.set("service", service());
                }
                default -> {
                    send(exchange, 400, "{\"__type\":\"UnknownOperationException\"}");
                    return;
                }
            }
            send(exchange, 200, Json.MAPPER.writeValueAsString(answer));
        }
    }

    private ObjectNode service() {
        ObjectNode service = Json.MAPPER.createObjectNode();
        service.put("serviceName", SERVICE)
                .put("serviceArn", "arn:aws:ecs:us-east-1:123456789012:service/" + CLUSTER + "/" + SERVICE)
                .put("status", "ACTIVE").put("desiredCount", desired).put("runningCount", running)
                .put("pendingCount", pending);
        return service;
    }

    private static String taskArn(String id) {
        return "arn:aws:ecs:us-east-1:123456789012:task/" + CLUSTER + "/" + id;
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
