package dev.ebb.local.runtime;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v1/jobs/{id}/events} on the local gateway: the job as server-sent events, for watching a chat reply
 * stream in. It polls the job through the same handler as {@code GET /v1/jobs/{id}} (so the key, the tenant and the
 * 404 of another tenant's job are that route's) every {@link #POLL}, and sends an event whenever the status or the
 * partial text changed: {@code event: partial} ({@code {"jobId","status","partial"}}) while the job runs, then
 * {@code event: done} with the whole job once it ended. An error of the first read is answered as JSON, as the
 * route would. A stream lasts at most {@link #LIMIT}; a client reconnects after that.
 *
 * <p>The local gateway's alone: API Gateway's HTTP API does not stream a Lambda's answer, so on AWS a client polls
 * {@code GET /v1/jobs/{id}} and reads {@code partial}.
 */
final class JobEventStream {
    static final Duration POLL = Duration.ofMillis(150);
    static final Duration LIMIT = Duration.ofMinutes(5);
    private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

    private JobEventStream() {
    }

    static void serve(HttpExchange exchange, APIGatewayV2HTTPEvent poll,
                      RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> get) throws IOException {
        APIGatewayV2HTTPResponse first = get.handleRequest(poll, null);
        if (first.getStatusCode() != 200) {
            HttpGateway.write(exchange, first.getStatusCode(), first.getBody(),
                    first.getHeaders() == null ? Map.of() : first.getHeaders());
            return;
        }
        exchange.getResponseHeaders().set("content-type", "text/event-stream");
        exchange.getResponseHeaders().set("cache-control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        String lastStatus = null;
        String lastPartial = null;
        try (OutputStream out = exchange.getResponseBody()) {
            APIGatewayV2HTTPResponse response = first;
            while (true) {
                if (response.getStatusCode() == 200) {
                    JsonNode job = Json.MAPPER.readTree(response.getBody());
                    String status = job.path("status").asText();
                    if (ENDED.contains(status)) {
                        send(out, "done", job);
                        return;
                    }
                    String partial = job.path("partial").isTextual() ? job.get("partial").textValue() : null;
                    if (!status.equals(lastStatus) || (partial != null && !partial.equals(lastPartial))) {
                        ObjectNode event = Json.MAPPER.createObjectNode().put("jobId", job.path("jobId").asText())
                                .put("status", status);
                        if (partial != null) {
                            event.put("partial", partial);
                        }
                        send(out, "partial", event);
                        lastStatus = status;
                        lastPartial = partial;
                    }
                }
                if (System.nanoTime() > deadline) {
                    return;
                }
                Thread.sleep(POLL.toMillis());
                response = get.handleRequest(poll, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void send(OutputStream out, String event, JsonNode data) throws IOException {
        out.write(("event: " + event + "\ndata: " + Json.write(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
