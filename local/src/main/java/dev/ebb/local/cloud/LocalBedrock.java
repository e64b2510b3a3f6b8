package dev.ebb.local.cloud;

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
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * A stand-in for Amazon Bedrock's runtime API on 127.0.0.1, for the local cloud and the tests: there is no Bedrock
 * emulator and no generative model in any package this project can install. It speaks Bedrock's own wire protocol —
 * {@code POST /model/{modelId}/converse} (JSON) and {@code POST /model/{modelId}/converse-stream}
 * ({@code application/vnd.amazon.eventstream} frames: {@code messageStart}, {@code contentBlockDelta}s,
 * {@code contentBlockStop}, {@code messageStop}, {@code metadata}) — so the real SDK client reaches it with an
 * endpoint override, and Bedrock's errors come back as the SDK's exceptions.
 *
 * <p>It is not a language model. Its replies are deterministic, begin with {@link #PREFIX} (every reply says it is
 * a stand-in), and visibly use the conversation they are sent: "what is my name?" is answered from an earlier
 * "my name is Ada"; "count to N" streams the numbers one by one; anything else is echoed with how many earlier
 * messages it saw and what the first of them said. It reports token usage (one token per four characters), honours
 * {@code maxTokens} (one token per word of its reply; {@code stopReason} {@code max_tokens}), and a
 * {@code cachePoint}: the prefix before it is written to its cache the first time and read from it after
 * ({@code cacheWriteInputTokens}, {@code cacheReadInputTokens}).
 *
 * <p>For tests it fails on demand ({@link #failNext}; or over HTTP, {@code POST /_standin/faults
 * {"fault":"throttle","calls":N}}): a throttle (429 {@code ThrottlingException}, which the SDK retries), a throttle
 * in the middle of a stream (a {@code throttlingException} frame after some text, which makes the SDK send the whole
 * request again), and the errors that are the request's fault.
 */
public final class LocalBedrock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalBedrock.class);
    /** Every reply begins with this. */
    public static final String PREFIX = "[Ebb's local Bedrock stand-in, not a model] ";
    private static final Pattern MODEL_PATH = Pattern.compile("/model/([^/]+)/(converse|converse-stream)");
    private static final Pattern NAME = Pattern.compile("(?i)\\bmy name is ([\\p{L}][\\p{L}'-]{0,40})");
    private static final Pattern ASKS_NAME = Pattern.compile("(?i)what(?:'s| is) my name");
    private static final Pattern COUNT = Pattern.compile("(?i)count to (\\d{1,4})");

    /** A failure the stand-in can be told to answer with. */
    public enum Fault {
        /** 429 ThrottlingException before the stream starts (the SDK retries it). */
        THROTTLE(429, "ThrottlingException", "Too many requests, please wait before trying again."),
        /** Some text, then a throttlingException frame in the stream (the SDK sends the request again). */
        THROTTLE_MID_STREAM(429, "ThrottlingException", "Too many requests, please wait before trying again."),
        MODEL_NOT_READY(429, "ModelNotReadyException", "Model is not ready to serve inference requests."),
        VALIDATION(400, "ValidationException", "The model returned the following errors: input is too long"),
        ACCESS_DENIED(403, "AccessDeniedException",
                "You don't have access to the model with the specified model ID."),
        NOT_FOUND(404, "ResourceNotFoundException", "The provided model identifier is invalid."),
        QUOTA(400, "ServiceQuotaExceededException", "Your request exceeds the service quota for your account.");

        final int status;
        final String type;
        final String message;

        Fault(int status, String type, String message) {
            this.status = status;
            this.type = type;
            this.message = message;
        }

        static Fault of(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Duration chunkDelay;
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final Set<String> cache = ConcurrentHashMap.newKeySet();
    private final AtomicInteger calls = new AtomicInteger();

    private LocalBedrock(HttpServer server, ExecutorService executor, Duration chunkDelay) {
        this.server = server;
        this.executor = executor;
        this.chunkDelay = chunkDelay;
    }

    /**
     * Starts it on 127.0.0.1 ({@code port} 0: any free one).
     *
     * @param chunkDelay the pause between two streamed pieces of a reply, so a reply takes a while as a model's does
     */
    public static LocalBedrock start(int port, Duration chunkDelay) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        ExecutorService executor = Executors.newFixedThreadPool(16,
                Thread.ofPlatform().name("local-bedrock-", 0).daemon().factory());
        server.setExecutor(executor);
        LocalBedrock bedrock = new LocalBedrock(server, executor, chunkDelay);
        server.createContext("/", bedrock::exchange);
        server.start();
        log.info("local Bedrock stand-in on {}", bedrock.endpoint());
        return bedrock;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The next {@code calls} model calls fail with {@code fault} (after any faults already queued). */
    public synchronized void failNext(Fault fault, int calls) {
        for (int i = 0; i < calls; i++) {
            faults.addLast(fault);
        }
    }

    /** Model calls answered so far, failed ones included. */
    public int calls() {
        return calls.get();
    }

    /** Forgets queued faults and the prompt cache. */
    public synchronized void reset() {
        faults.clear();
        cache.clear();
    }

    private synchronized Fault nextFault() {
        return faults.pollFirst();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.equals("/_standin/faults") && exchange.getRequestMethod().equals("POST")) {
                JsonNode request = Json.MAPPER.readTree(body);
                Fault fault;
                try {
                    fault = Fault.of(request.path("fault").asText());
                } catch (IllegalArgumentException e) {
                    error(exchange, 400, "ValidationException", "fault must be one of "
                            + java.util.Arrays.toString(Fault.values()).toLowerCase(Locale.ROOT));
                    return;
                }
                failNext(fault, request.path("calls").asInt(1));
                json(exchange, 200, Json.MAPPER.createObjectNode().put("queued", request.path("calls").asInt(1)));
                return;
            }
            Matcher model = MODEL_PATH.matcher(path);
            if (!model.matches() || !exchange.getRequestMethod().equals("POST")) {
                error(exchange, 404, "UnknownOperationException", "the stand-in serves POST /model/{id}/converse"
                        + " and /converse-stream only");
                return;
            }
            calls.incrementAndGet();
            String modelId = URLDecoder.decode(model.group(1), StandardCharsets.UTF_8);
            JsonNode request;
            try {
                request = Json.MAPPER.readTree(body);
            } catch (IOException e) {
                error(exchange, 400, "ValidationException", "request body is not JSON");
                return;
            }
            if (request == null || !request.path("messages").isArray() || request.path("messages").isEmpty()) {
                error(exchange, 400, "ValidationException", "messages must not be empty");
                return;
            }
            Fault fault = nextFault();
            if (fault != null && fault != Fault.THROTTLE_MID_STREAM) {
                error(exchange, fault.status, fault.type, fault.message);
                return;
            }
            Answer answer = answer(modelId, request);
            if (model.group(2).equals("converse")) {
                converse(exchange, answer);
            } else {
                stream(exchange, answer, fault == Fault.THROTTLE_MID_STREAM);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("local Bedrock exchange ended: {}", e.toString());
        }
    }

    /** A reply and what it cost. */
    record Answer(List<String> pieces, String stopReason, int inputTokens, int outputTokens, int cacheRead,
                  int cacheWrite) {
        String text() {
            return String.join("", pieces);
        }
    }

    /** The deterministic reply to {@code request}: see the class comment. */
    Answer answer(String modelId, JsonNode request) {
        List<String> userTexts = new ArrayList<>();
        int tokens = 0;
        int prefixTokens = -1;
        int cutAt = -1;
        StringBuilder prefix = new StringBuilder(modelId).append('\0');
        String system = null;
        for (JsonNode block : request.path("system")) {
            if (block.has("text")) {
                system = block.get("text").asText();
                tokens += tokens(system);
                prefix.append(system).append('\0');
            } else if (block.has("cachePoint")) {
                prefixTokens = tokens;
                cutAt = prefix.length();
            }
        }
        ArrayNode messages = (ArrayNode) request.get("messages");
        for (JsonNode message : messages) {
            for (JsonNode block : message.path("content")) {
                if (block.has("text")) {
                    String text = block.get("text").asText();
                    tokens += tokens(text);
                    prefix.append(message.path("role").asText()).append(':').append(text).append('\0');
                    if ("user".equals(message.path("role").asText())) {
                        userTexts.add(text);
                    }
                } else if (block.has("cachePoint")) {
                    prefixTokens = tokens;
                    cutAt = prefix.length();
                }
            }
        }
        String last = userTexts.isEmpty() ? "" : userTexts.getLast();
        List<String> earlier = userTexts.subList(0, Math.max(0, userTexts.size() - 1));
        String reply;
        Matcher count = COUNT.matcher(last);
        if (ASKS_NAME.matcher(last).find()) {
            String name = null;
            for (String text : earlier) {
                Matcher m = NAME.matcher(text);
                if (m.find()) {
                    name = m.group(1);
                }
            }
            reply = name != null ? "Your name is " + name + "; you told me earlier in this conversation."
                    : "You have not told me your name in this conversation.";
        } else if (count.find()) {
            int n = Math.min(Integer.parseInt(count.group(1)), 500);
            StringBuilder numbers = new StringBuilder();
            for (int i = 1; i <= n; i++) {
                numbers.append(i).append(i < n ? " " : ".");
            }
            reply = numbers.toString();
        } else {
            Matcher name = NAME.matcher(last);
            reply = (name.find() ? "Nice to meet you, " + name.group(1) + ". " : "")
                    + "You said: \"" + shorten(last) + "\". I was sent " + earlier.size() + " earlier message"
                    + (earlier.size() == 1 ? "" : "s") + " of yours"
                    + (earlier.isEmpty() ? "." : "; the first was \"" + shorten(earlier.getFirst()) + "\".");
        }
        if (system != null) {
            reply += " (System prompt: \"" + shorten(system) + "\".)";
        }
        List<String> pieces = new ArrayList<>();
        pieces.add(PREFIX);
        for (String word : reply.split("(?<= )")) {
            pieces.add(word);
        }
        int maxTokens = request.path("inferenceConfig").path("maxTokens").asInt(Integer.MAX_VALUE);
        String stopReason = "end_turn";
        if (pieces.size() - 1 > maxTokens) {
            pieces = new ArrayList<>(pieces.subList(0, maxTokens + 1));
            stopReason = "max_tokens";
        }
        int cacheRead = 0;
        int cacheWrite = 0;
        if (prefixTokens > 0) {
            // The prefix before the cache point: read from the cache when this exact prefix was seen before.
            String key = prefix.substring(0, cutAt);
            if (cache.contains(key)) {
                cacheRead = prefixTokens;
            } else {
                cache.add(key);
                cacheWrite = prefixTokens;
            }
        }
        int output = 0;
        for (String piece : pieces) {
            output += tokens(piece);
        }
        return new Answer(pieces, stopReason, tokens - cacheRead - cacheWrite, output, cacheRead, cacheWrite);
    }

    private static int tokens(String text) {
        return (text.length() + 3) / 4;
    }

    private static String shorten(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() > 80 ? flat.substring(0, 80) + "…" : flat;
    }

    private static ObjectNode usage(Answer answer) {
        return Json.MAPPER.createObjectNode().put("inputTokens", answer.inputTokens())
                .put("outputTokens", answer.outputTokens())
                .put("totalTokens", answer.inputTokens() + answer.outputTokens() + answer.cacheRead()
                        + answer.cacheWrite())
                .put("cacheReadInputTokens", answer.cacheRead()).put("cacheWriteInputTokens", answer.cacheWrite());
    }

    private static void converse(HttpExchange exchange, Answer answer) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("output").putObject("message").put("role", "assistant")
                .putArray("content").addObject().put("text", answer.text());
        body.put("stopReason", answer.stopReason());
        body.set("usage", usage(answer));
        body.putObject("metrics").put("latencyMs", 1);
        json(exchange, 200, body);
    }

    private void stream(HttpExchange exchange, Answer answer, boolean throttleMidway) throws IOException {
        exchange.getResponseHeaders().set("content-type", "application/vnd.amazon.eventstream");
        exchange.getResponseHeaders().set("x-amzn-requestid", java.util.UUID.randomUUID().toString());
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            event(out, "messageStart", Json.MAPPER.createObjectNode().put("role", "assistant"));
            event(out, "contentBlockStart", Json.MAPPER.createObjectNode().put("contentBlockIndex", 0)
                    .set("start", Json.MAPPER.createObjectNode()));
            int sent = 0;
            for (String piece : answer.pieces()) {
                if (throttleMidway && sent == Math.min(3, answer.pieces().size() - 1)) {
                    exception(out, "throttlingException", Fault.THROTTLE.message);
                    return;
                }
                ObjectNode delta = Json.MAPPER.createObjectNode().put("contentBlockIndex", 0);
                delta.putObject("delta").put("text", piece);
                event(out, "contentBlockDelta", delta);
                sent++;
                pause();
            }
            event(out, "contentBlockStop", Json.MAPPER.createObjectNode().put("contentBlockIndex", 0));
            event(out, "messageStop", Json.MAPPER.createObjectNode().put("stopReason", answer.stopReason()));
            ObjectNode metadata = Json.MAPPER.createObjectNode();
            metadata.set("usage", usage(answer));
            metadata.putObject("metrics").put("latencyMs", 1);
            event(out, "metadata", metadata);
        }
    }

    private void pause() {
        try {
            Thread.sleep(chunkDelay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One event-stream frame of an event: the headers the SDK reads, the event's members as JSON. */
    private static void event(OutputStream out, String type, ObjectNode payload) throws IOException {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        new Message(headers, Json.write(payload).getBytes(StandardCharsets.UTF_8)).encode(out);
        out.flush();
    }

    private static void exception(OutputStream out, String type, String message) throws IOException {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":exception-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("exception"));
        new Message(headers, Json.write(Json.MAPPER.createObjectNode().put("message", message))
                .getBytes(StandardCharsets.UTF_8)).encode(out);
        out.flush();
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        exchange.getResponseHeaders().set("x-amzn-ErrorType", type);
        json(exchange, status, Json.MAPPER.createObjectNode().put("message", message));
    }

    private static void json(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
