package dev.ebb.local.runtime;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ebb.core.Json;
import dev.ebb.core.Utf8;
import dev.ebb.core.api.JobViews;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stand-in for API Gateway (HTTP API, payload v2): turns each request into an
 * {@link APIGatewayV2HTTPEvent}, invokes the same handler class Lambda would, and writes its response back.
 * Like API Gateway, it answers unknown routes itself and passes a body that is not UTF-8 as base64.
 */
public final class HttpGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpGateway.class);
    /** Lambda's synchronous payload limit. */
    private static final int MAX_BODY_BYTES = 6 * 1024 * 1024;
    private static final Pattern JOB_PATH = Pattern.compile("/v1/jobs/([^/]+)");
    private static final Pattern JOB_EVENTS_PATH = Pattern.compile("/v1/jobs/([^/]+)/events");
    private static final Pattern SESSION_PATH = Pattern.compile("/v1/sessions/([^/]+)");
    private static final Pattern SESSION_MESSAGES_PATH = Pattern.compile("/v1/sessions/([^/]+)/messages");
    /** Where the API's OpenAPI document (docs/openapi.yaml, packed as {@value #OPENAPI_RESOURCE}) is served. */
    public static final String OPENAPI_PATH = "/v1/openapi.yaml";
    static final String OPENAPI_RESOURCE = "/ebb/openapi.yaml";

    /** The handlers behind each route; {@code sessions} serves the three sessions routes (null: none). */
    public record Routes(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> submit,
                         RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> get,
                         RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> cancel,
                         RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> list,
                         RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> upload,
                         RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> sessions,
                         RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> usage) {
        /** The job routes without sessions and {@code GET /v1/usage} (answered 404 route_not_found). */
        public Routes(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> submit,
                      RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> get,
                      RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> cancel,
                      RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> list,
                      RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> upload) {
            this(submit, get, cancel, list, upload, null, null);
        }
    }

    /** A page or small document served beside the API (the local dashboard): its content type and its bytes. */
    public record Page(String contentType, java.util.function.Supplier<byte[]> body) {
    }

    /** GET-only pages by path, looked up after the API's routes. */
    private final Map<String, Page> pages = new java.util.concurrent.ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService executor;
    private final Routes routes;

    public HttpGateway(String host, int port, int threads, Routes routes) throws IOException {
        this.routes = routes;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 1024);
        this.executor = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("http-", 0).daemon().factory());
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
    }

    /** Serves {@code page} on {@code GET path} (an API route of the same path wins). */
    public HttpGateway page(String path, Page page) {
        pages.put(path, page);
        return this;
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }

    private void exchange(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getRawPath();
            byte[] body = readBody(exchange.getRequestBody());
            if (body == null) {
                write(exchange, 413, Json.write(JobViews.error("request_too_large",
                        "request body is larger than " + MAX_BODY_BYTES + " bytes")), Map.of());
                return;
            }
            Map<String, String> pathParameters = new HashMap<>();
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = null;
            String routeKey = null;
            Matcher job = JOB_PATH.matcher(path);
            Matcher jobEvents = JOB_EVENTS_PATH.matcher(path);
            Matcher session = SESSION_PATH.matcher(path);
            Matcher sessionMessages = SESSION_MESSAGES_PATH.matcher(path);
            if (jobEvents.matches() && method.equals("GET")) {
                JobEventStream.serve(exchange, event(exchange, "GET", "/v1/jobs/" + jobEvents.group(1),
                        "GET /v1/jobs/{id}", Map.of("id", jobEvents.group(1)), body), routes.get());
                return;
            }
            if (routes.sessions() != null && sessionMessages.matches() && method.equals("POST")) {
                handler = routes.sessions();
                routeKey = "POST /v1/sessions/{id}/messages";
                pathParameters.put("id", sessionMessages.group(1));
            } else if (routes.sessions() != null && session.matches()
                    && (method.equals("GET") || method.equals("DELETE"))) {
                handler = routes.sessions();
                routeKey = method + " /v1/sessions/{id}";
                pathParameters.put("id", session.group(1));
            } else if (path.equals("/v1/jobs") && method.equals("POST")) {
                handler = routes.submit();
                routeKey = "POST /v1/jobs";
            } else if (path.equals("/v1/jobs") && method.equals("GET")) {
                handler = routes.list();
                routeKey = "GET /v1/jobs";
            } else if (path.equals("/v1/uploads") && method.equals("POST")) {
                handler = routes.upload();
                routeKey = "POST /v1/uploads";
            } else if (job.matches() && (method.equals("GET") || method.equals("DELETE"))) {
                handler = method.equals("GET") ? routes.get() : routes.cancel();
                routeKey = method + " /v1/jobs/{id}";
                pathParameters.put("id", job.group(1));
            } else if (path.equals("/v1/usage") && method.equals("GET") && routes.usage() != null) {
                handler = routes.usage();
                routeKey = "GET /v1/usage";
            } else if ((path.equals("/v1/health") || path.equals("/healthz")) && method.equals("GET")) {
                // For load balancers and scripts: no key needed, nothing said but that the API answers.
                write(exchange, 200, "{\"status\":\"ok\"}", Map.of());
                return;
            } else if (path.equals(OPENAPI_PATH) && method.equals("GET")) {
                write(exchange, 200, OpenApiDocument.TEXT, Map.of("content-type", "application/yaml"));
                return;
            }
            Page page = pages.get(path);
            if (handler == null && page != null && method.equals("GET")) {
                byte[] bytes = page.body().get();
                exchange.getResponseHeaders().set("content-type", page.contentType());
                exchange.getResponseHeaders().set("cache-control", "no-store");
                exchange.getResponseHeaders().set("x-content-type-options", "nosniff");
                // The page runs only its own script and talks only to this gateway.
                exchange.getResponseHeaders().set("content-security-policy",
                        "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
                exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
                if (bytes.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bytes);
                    }
                }
                return;
            }
            if (handler == null) {
                boolean known = path.equals("/v1/jobs") || path.equals("/v1/uploads") || job.matches()
                        || jobEvents.matches() || (routes.sessions() != null
                        && (session.matches() || sessionMessages.matches()))
                        || (path.equals("/v1/usage") && routes.usage() != null)
                        || path.equals("/v1/health") || path.equals(OPENAPI_PATH);
                write(exchange, known ? 405 : 404, Json.write(JobViews.error(known ? "method_not_allowed" : "route_not_found",
                        known ? method + " is not allowed on " + path : "no route for " + method + " " + path)), Map.of());
                return;
            }
            APIGatewayV2HTTPEvent event = event(exchange, method, path, routeKey, pathParameters, body);
            APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
            write(exchange, response.getStatusCode(), response.getBody(),
                    response.getHeaders() == null ? Map.of() : response.getHeaders());
        } catch (RuntimeException e) {
            log.error("gateway failure", e);
            write(exchange, 500, Json.write(JobViews.error("internal_error", "internal error")), Map.of());
        }
    }

    /** docs/openapi.yaml from the jar, read on first use. */
    private static final class OpenApiDocument {
        static final String TEXT = read();

        private static String read() {
            try (InputStream in = HttpGateway.class.getResourceAsStream(OPENAPI_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(OPENAPI_RESOURCE + " is not on the class path");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static APIGatewayV2HTTPEvent event(HttpExchange exchange, String method, String path, String routeKey,
                                               Map<String, String> pathParameters, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            headers.put(header.getKey().toLowerCase(Locale.ROOT), String.join(",", header.getValue()));
        }
        String text = Utf8.decode(body).orElse(null);
        String requestId = UUID.randomUUID().toString();
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(routeKey)
                .withRawPath(path)
                .withRawQueryString(exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery())
                .withQueryStringParameters(queryParameters(exchange.getRequestURI().getRawQuery()))
                .withHeaders(headers)
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(requestId)
                        .withRouteKey(routeKey)
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method)
                                .withPath(path)
                                .withProtocol(exchange.getProtocol())
                                .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                                .build())
                        .build())
                .withBody(body.length == 0 ? null : (text != null ? text : Base64.getEncoder().encodeToString(body)))
                .withIsBase64Encoded(body.length > 0 && text == null)
                .build();
    }

    /**
     * The query string as API Gateway (payload v2) passes it: names and values percent-decoded, a repeated name's
     * values joined by commas, null when there is none. A malformed escape is kept as it came.
     */
    static Map<String, String> queryParameters(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            parameters.merge(name, value, (a, b) -> a + "," + b);
        }
        return parameters.isEmpty() ? null : parameters;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }

    /** The body, or null when it is over the limit. */
    private static byte[] readBody(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        return bytes.length > MAX_BODY_BYTES ? null : bytes;
    }

    static void write(HttpExchange exchange, int status, String body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.getResponseHeaders().putIfAbsent("content-type", List.of("application/json"));
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
