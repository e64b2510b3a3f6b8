package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.JobViews;
import dev.ebb.core.metrics.MetricsSink;
import java.time.Clock;

/**
 * {@code POST /v1/jobs}: 202 with the job id (and the lane's measured {@code eta} in seconds), or 200 with the job
 * when it was answered from the result cache ({@code cached: true}) or an idempotent replay finds it finished.
 */
public final class SubmitJobHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final ApiGateway gateway;
    private final JobService jobs;
    private final Clock clock;
    private final LaneWake wake;
    private final MetricsSink metrics;

    public SubmitJobHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public SubmitJobHandler(DependencyFactory factory) {
        this(new ApiGateway(factory.authenticator()), factory.jobService(), factory.clock(), factory.laneWake(),
                factory.metrics());
    }

    SubmitJobHandler(ApiGateway gateway, JobService jobs, Clock clock) {
        this(gateway, jobs, clock, LaneWake.NONE);
    }

    SubmitJobHandler(ApiGateway gateway, JobService jobs, Clock clock, LaneWake wake) {
        this(gateway, jobs, clock, wake, MetricsSink.NONE);
    }

    SubmitJobHandler(ApiGateway gateway, JobService jobs, Clock clock, LaneWake wake, MetricsSink metrics) {
        this.metrics = metrics;
        this.gateway = gateway;
        this.jobs = jobs;
        this.clock = clock;
        this.wake = wake;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try {
            return submit(event);
        } finally {
            metrics.flush(); // the invocation's metrics, written before Lambda may freeze the environment
        }
    }

    private APIGatewayV2HTTPResponse submit(APIGatewayV2HTTPEvent event) {
        return gateway.serve(event, (tenant, e) -> {
            JobService.Submitted submitted = jobs.submit(tenant, ApiGateway.body(e));
            if (submitted.finished()) {
                return ApiGateway.json(200, JobViews.view(submitted.job(), clock.instant()));
            }
            if (submitted.how() == JobService.How.ACCEPTED) {
                wake.accepted(submitted.job().lane()); // a lane with no worker does not wait for the schedule
            }
            return ApiGateway.json(202, JobViews.accepted(submitted.job(), submitted.eta()));
        });
    }
}
