package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.api.JobList;

/**
 * {@code GET /v1/jobs?status=&uploadKey=&limit=&nextToken=}: the tenant's jobs, newest first, a page at a time.
 * API Gateway passes the query string decoded in {@code queryStringParameters} (a repeated name joined by commas).
 */
public final class ListJobsHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final ApiGateway gateway;
    private final JobList jobs;

    public ListJobsHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public ListJobsHandler(DependencyFactory factory) {
        this(new ApiGateway(factory.authenticator()), factory.jobList());
    }

    ListJobsHandler(ApiGateway gateway, JobList jobs) {
        this.gateway = gateway;
        this.jobs = jobs;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return gateway.serve(event, (tenant, e) ->
                ApiGateway.json(200, jobs.list(tenant, e.getQueryStringParameters())));
    }
}
