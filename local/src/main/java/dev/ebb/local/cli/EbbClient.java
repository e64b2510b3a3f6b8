package dev.ebb.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A small client of Ebb's HTTP API, as a user's program would call it: on the JDK's {@link HttpClient} (a connection
 * pool for many threads: the benchmarks and tests), or, for a few calls from a JVM that has just started
 * ({@link #forOneShot}, the command line), on {@link HttpURLConnection}, which is ready several times sooner (no TLS
 * context, no selector thread to set up).
 */
public final class EbbClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
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
        this(endpoint, apiKey, HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build());
    }

    private EbbClient(URI endpoint, String apiKey, HttpClient http) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
        this.http = http;
    }

    /** For the command line: a few calls in a row from a fresh JVM. */
    public static EbbClient forOneShot(URI endpoint, String apiKey) {
        return new EbbClient(endpoint, apiKey, null);
    }

    public Response submit(String requestJson) throws IOException, InterruptedException {
        return send("POST", "/v1/jobs", requestJson);
    }

    public Response get(String jobId) throws IOException, InterruptedException {
        return send("GET", "/v1/jobs/" + jobId, null);
    }

    /** {@code GET /v1/jobs?query}: {@code query} is a raw query string (already encoded), or empty for none. */
    public Response list(String query) throws IOException, InterruptedException {
        return send("GET", query == null || query.isEmpty() ? "/v1/jobs" : "/v1/jobs?" + query, null);
    }

    /** {@code POST /v1/uploads}: a presigned PUT URL for one object that becomes a job of {@code task}. */
    public Response createUpload(String requestJson) throws IOException, InterruptedException {
        return send("POST", "/v1/uploads", requestJson);
    }

    /** {@code GET /v1/usage}: the tenant's spend, reservations, limits and cache hits. */
    public Response usage() throws IOException, InterruptedException {
        return send("GET", "/v1/usage", null);
    }

    public Response cancel(String jobId) throws IOException, InterruptedException {
        return send("DELETE", "/v1/jobs/" + jobId, null);
    }

    /** PUTs {@code file} to a presigned URL as any HTTP client would; the object store's status. */
    public int put(URI presignedUrl, Path file) throws IOException, InterruptedException {
        HttpClient client = http != null ? http : HttpClient.newHttpClient();
        return client.send(HttpRequest.newBuilder(presignedUrl).PUT(HttpRequest.BodyPublishers.ofFile(file)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** {@code POST /v1/sessions/{id}/messages}: one turn of a chat session. */
    public Response say(String sessionId, String messageJson) throws IOException, InterruptedException {
        return send("POST", "/v1/sessions/" + sessionId + "/messages", messageJson);
    }

    /** {@code GET /v1/sessions/{id}}: the session's turns. */
    public Response session(String sessionId) throws IOException, InterruptedException {
        return send("GET", "/v1/sessions/" + sessionId, null);
    }

    /** {@code DELETE /v1/sessions/{id}}: ends the session. */
    public Response endSession(String sessionId) throws IOException, InterruptedException {
        return send("DELETE", "/v1/sessions/" + sessionId, null);
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

    private Response send(String method, String path, String body) throws IOException, InterruptedException {
        URI uri = endpoint.resolve(path);
        if (http == null) {
            return sendOneShot(method, uri, body);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), parse(response.body()));
    }

    private Response sendOneShot(String method, URI uri, String body) throws IOException {
        // Not disconnected: a body read to its end returns the connection to the JDK's keep-alive cache, so that the
        // polls of 'ebb wait' reuse it.
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        connection.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
        connection.setRequestMethod(method);
        connection.setRequestProperty("content-type", "application/json");
        if (apiKey != null) {
            connection.setRequestProperty("authorization", "Bearer " + apiKey);
        }
        if (body != null) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(bytes.length);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(bytes);
            }
        }
        int status = connection.getResponseCode();
        try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
            return new Response(status, parse(in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
    }

    private static JsonNode parse(String body) throws IOException {
        return body == null || body.isEmpty() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
    }
}
