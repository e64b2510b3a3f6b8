package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.Json;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.JobViews;
import dev.ebb.core.session.SessionService;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;

/**
 * The sessions routes (chat): {@code POST /v1/sessions/{id}/messages} (202 with the turn's job id),
 * {@code GET /v1/sessions/{id}} (the turns) and {@code DELETE /v1/sessions/{id}} (ends it; 204). One function for
 * the three, told apart by method; the work is {@link SessionService}'s. Another tenant's session is a 404.
 */
public final class SessionsHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final ApiGateway gateway;
    private final SessionService sessions;
    private final Clock clock;

    public SessionsHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public SessionsHandler(DependencyFactory factory) {
        this(new ApiGateway(factory.authenticator()), factory.sessionService(), factory.clock());
    }

    SessionsHandler(ApiGateway gateway, SessionService sessions, Clock clock) {
        this.gateway = gateway;
        this.sessions = sessions;
        this.clock = clock;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return gateway.serve(event, (tenant, e) -> {
            Map<String, String> path = e.getPathParameters();
            String id = path == null ? null : path.get("id");
            String method = e.getRequestContext() == null || e.getRequestContext().getHttp() == null ? ""
                    : e.getRequestContext().getHttp().getMethod().toUpperCase(Locale.ROOT);
            return switch (method) {
                case "POST" -> {
                    JobService.Submitted submitted = sessions.post(tenant, id, ApiGateway.body(e));
                    yield submitted.finished()
                            ? ApiGateway.json(200, JobViews.view(submitted.job(), clock.instant()))
                            : ApiGateway.json(202, JobViews.accepted(submitted.job()).put("sessionId", id));
                }
                case "GET" -> ApiGateway.json(200, sessions.view(tenant, id));
                case "DELETE" -> {
                    sessions.end(tenant, id);
                    yield ApiGateway.json(200, Json.MAPPER.createObjectNode().put("sessionId", id)
                            .put("status", "ENDED"));
                }
                default -> ApiGateway.json(405, JobViews.error("method_not_allowed", method + " is not allowed"));
            };
        });
    }
}
