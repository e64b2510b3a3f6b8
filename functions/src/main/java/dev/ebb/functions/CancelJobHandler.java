package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.JobViews;
import dev.ebb.core.metrics.MetricsSink;
import java.time.Clock;

/** {@code DELETE /v1/jobs/{id}}: cancels a job that has not finished; 409 when it already ended. */
public final class CancelJobHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final ApiGateway gateway;
    private final JobService jobs;
    private final Clock clock;
    private final MetricsSink metrics;

    public CancelJobHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public CancelJobHandler(DependencyFactory factory) {
        this(new ApiGateway(factory.authenticator()), factory.jobService(), factory.clock(), factory.metrics());
    }

    CancelJobHandler(ApiGateway gateway, JobService jobs, Clock clock) {
        this(gateway, jobs, clock, MetricsSink.NONE);
    }

    CancelJobHandler(ApiGateway gateway, JobService jobs, Clock clock, MetricsSink metrics) {
        this.metrics = metrics;
        this.gateway = gateway;
        this.jobs = jobs;
        this.clock = clock;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try {
            return gateway.serve(event, (tenant, e) -> ApiGateway.json(200,
                    JobViews.view(jobs.cancel(tenant, ApiGateway.pathParameter(e, "id")), clock.instant())));
        } finally {
            metrics.flush();
        }
    }
}
