package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.Utf8;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobViews;
import dev.ebb.core.auth.Authenticator;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The part every HTTP handler shares: authenticate, decode the body, map the outcome to an API Gateway (payload
 * v2) response. Errors are always {@code {"error":{"code","message"}}}; a user error is never a 5xx.
 */
final class ApiGateway {
    private static final Logger log = LoggerFactory.getLogger(ApiGateway.class);

    @FunctionalInterface
    interface Route {
        APIGatewayV2HTTPResponse handle(String tenant, APIGatewayV2HTTPEvent event);
    }

    private final Authenticator authenticator;
    /** The log fields every line of a request carries (JSON lines, from the MDC). */
    static final String REQUEST_ID = "requestId";
    static final String TENANT = "tenant";

    ApiGateway(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    APIGatewayV2HTTPResponse serve(APIGatewayV2HTTPEvent event, Route route) {
        String requestId = event.getRequestContext() == null ? null : event.getRequestContext().getRequestId();
        if (requestId != null) {
            MDC.put(REQUEST_ID, requestId); // on every line this request logs
        }
        try {
            Optional<String> tenant = authenticator.authenticate(event.getHeaders());
            if (tenant.isEmpty()) {
                throw ApiException.unauthorized();
            }
            MDC.put(TENANT, tenant.get());
            return route.handle(tenant.get(), event);
        } catch (ApiException e) {
            return error(e);
        } catch (SdkException e) {
            log.error("backend call failed requestId={}: {}", requestId, e.toString());
            return error(ApiException.unavailable("backend_unavailable",
                    "a backing service did not answer; retry later", 2));
        } catch (RuntimeException e) {
            log.error("unexpected failure requestId={}", requestId, e);
            return json(500, JobViews.error("internal_error", "internal error; request id " + requestId));
        } finally {
            MDC.remove(REQUEST_ID);
            MDC.remove(TENANT);
        }
    }

    static String body(APIGatewayV2HTTPEvent event) {
        String body = event.getBody();
        if (body == null || !event.getIsBase64Encoded()) {
            return body;
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_encoding", "body is marked base64 but is not valid base64");
        }
        return Utf8.decode(bytes).orElseThrow(
                () -> ApiException.badRequest("invalid_encoding", "request body is not valid UTF-8"));
    }

    static String pathParameter(APIGatewayV2HTTPEvent event, String name) {
        Map<String, String> parameters = event.getPathParameters();
        String value = parameters == null ? null : parameters.get(name);
        if (value == null || value.isEmpty()) {
            throw ApiException.badRequest("invalid_job_id", "the path has no job id");
        }
        return value;
    }

    static APIGatewayV2HTTPResponse json(int status, JsonNode body) {
        return json(status, body, Map.of());
    }

    static APIGatewayV2HTTPResponse json(int status, JsonNode body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("content-type", "application/json");
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(headers)
                .withBody(Json.write(body))
                .build();
    }

    static APIGatewayV2HTTPResponse error(ApiException e) {
        Map<String, String> headers = e.retryAfterSeconds() > 0
                ? Map.of("retry-after", Long.toString(e.retryAfterSeconds()))
                : Map.of();
        return json(e.status(), JobViews.error(e.code(), e.getMessage()), headers);
    }
}
