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
    private final Runnable primeClients;

    public SubmitJobHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public SubmitJobHandler(DependencyFactory factory) {
        this(new ApiGateway(factory.authenticator()), factory.jobService(), factory.clock(), factory.laneWake(),
                factory.metrics(), factory::primeClients);
    }

    SubmitJobHandler(ApiGateway gateway, JobService jobs, Clock clock) {
        this(gateway, jobs, clock, LaneWake.NONE);
    }

    SubmitJobHandler(ApiGateway gateway, JobService jobs, Clock clock, LaneWake wake) {
        this(gateway, jobs, clock, wake, MetricsSink.NONE, () -> { });
    }

    SubmitJobHandler(ApiGateway gateway, JobService jobs, Clock clock, LaneWake wake, MetricsSink metrics) {
        this(gateway, jobs, clock, wake, metrics, () -> { });
    }

    SubmitJobHandler(ApiGateway gateway, JobService jobs, Clock clock, LaneWake wake, Runnable primeClients) {
        this(gateway, jobs, clock, wake, MetricsSink.NONE, primeClients);
    }

    SubmitJobHandler(ApiGateway gateway, JobService jobs, Clock clock, LaneWake wake, MetricsSink metrics,
            Runnable primeClients) {
        this.metrics = metrics;
        this.primeClients = primeClients;
        this.gateway = gateway;
        this.jobs = jobs;
        this.clock = clock;
        this.wake = wake;
    }

    /**
     * What SnapStart's {@code beforeCheckpoint} hook should run (Powertools' "Priming" pattern): calls that have no
     * effect — the clients' read paths ({@link DependencyFactory#primeClients()}), then a well-formed submit with a
     * key no tenant has through the whole handler — so the API Gateway event model, Jackson, the authenticator, the
     * DynamoDB and SQS clients and the error path are loaded, linked and run once before the snapshot, and the first
     * real request does not pay for them. Not wired to
     * a CRaC hook yet ({@code org.crac} is not among the project's dependencies); {@code ebb bench
     * function-cold-start} runs it in-process before timing, which is what a restored snapshot would hold.
     *
     * @return the status of the priming request (401)
     */
    public int prime() {
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("POST /v1/jobs")
                .withRawPath("/v1/jobs")
                .withHeaders(java.util.Map.of("authorization", "Bearer priming-is-not-a-key",
                        "content-type", "application/json"))
                .withBody("{\"task\":\"math\",\"input\":{\"text\":\"What is 1 plus 1?\"}}")
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("priming").build())
                .build();
        primeClients.run();
        return handleRequest(event, null).getStatusCode();
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
