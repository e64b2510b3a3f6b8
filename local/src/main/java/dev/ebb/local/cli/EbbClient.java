package dev.ebb.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small client of Ebb's HTTP API, as a user's program would call it. */
public final class EbbClient {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI endpoint;
    private final String apiKey;

    /** A response: the status and the parsed JSON body. */
    public record Response(int status, JsonNode body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public String errorCode() {
            return body.path("error").path("code").asText("");
        }
    }

    public EbbClient(URI endpoint, String apiKey) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
    }

    public Response submit(String requestJson) throws IOException, InterruptedException {
        return send(request("/v1/jobs").POST(HttpRequest.BodyPublishers.ofString(requestJson)));
    }

    public Response get(String jobId) throws IOException, InterruptedException {
        return send(request("/v1/jobs/" + jobId).GET());
    }

    /** {@code GET /v1/jobs?query}: {@code query} is a raw query string (already encoded), or empty for none. */
    public Response list(String query) throws IOException, InterruptedException {
        return send(request(query == null || query.isEmpty() ? "/v1/jobs" : "/v1/jobs?" + query).GET());
    }

    /** {@code POST /v1/uploads}: a presigned PUT URL for one object that becomes a job of {@code task}. */
    public Response createUpload(String requestJson) throws IOException, InterruptedException {
        return send(request("/v1/uploads").POST(HttpRequest.BodyPublishers.ofString(requestJson)));
    }

    /** {@code GET /v1/usage}: the tenant's spend, reservations, limits and cache hits. */
    public Response usage() throws IOException, InterruptedException {
        return send(request("/v1/usage").GET());
    }

    public Response cancel(String jobId) throws IOException, InterruptedException {
        return send(request("/v1/jobs/" + jobId).DELETE());
    }

    /** {@code POST /v1/sessions/{id}/messages}: one turn of a chat session. */
    public Response say(String sessionId, String messageJson) throws IOException, InterruptedException {
        return send(request("/v1/sessions/" + sessionId + "/messages")
                .POST(HttpRequest.BodyPublishers.ofString(messageJson)));
    }

    /** {@code GET /v1/sessions/{id}}: the session's turns. */
    public Response session(String sessionId) throws IOException, InterruptedException {
        return send(request("/v1/sessions/" + sessionId).GET());
    }

    /** {@code DELETE /v1/sessions/{id}}: ends the session. */
    public Response endSession(String sessionId) throws IOException, InterruptedException {
        return send(request("/v1/sessions/" + sessionId).DELETE());
    }

    /**
     * Polls until the job ends or {@code timeout} passes, calling {@code progress} whenever its status changes.
     * Polls fast at first, then backs off to 500 ms.
     */
    public Response await(String jobId, Duration timeout, java.util.function.Consumer<JsonNode> progress)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastStatus = null;
        long pause = 5;
        while (true) {
            Response response = get(jobId);
            if (!response.ok()) {
                return response;
            }
            String status = response.body().path("status").asText();
            if (!status.equals(lastStatus)) {
                progress.accept(response.body());
                lastStatus = status;
            }
            if (status.equals("SUCCEEDED") || status.equals("FAILED") || status.equals("CANCELLED")
                    || System.nanoTime() > deadline) {
                return response;
            }
            Thread.sleep(pause);
            pause = Math.min(500, pause * 2);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json");
        if (apiKey != null) {
            builder.header("authorization", "Bearer " + apiKey);
        }
        return builder;
    }

    private Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String body = response.body();
        JsonNode json = body == null || body.isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
        return new Response(response.statusCode(), json);
    }
}
