package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.JobViews;
import java.time.Clock;

/** {@code GET /v1/jobs/{id}}: the job's status, timings, attempts and result or error. */
public final class GetJobHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final ApiGateway gateway;
    private final JobService jobs;
    private final Clock clock;

    public GetJobHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public GetJobHandler(DependencyFactory factory) {
        this(new ApiGateway(factory.authenticator()), factory.jobService(), factory.clock());
    }

    GetJobHandler(ApiGateway gateway, JobService jobs, Clock clock) {
        this.gateway = gateway;
        this.jobs = jobs;
        this.clock = clock;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return gateway.serve(event, (tenant, e) ->
                ApiGateway.json(200, JobViews.view(jobs.get(tenant, ApiGateway.pathParameter(e, "id")), clock.instant())));
    }
}
