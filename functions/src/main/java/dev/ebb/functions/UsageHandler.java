package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.tenant.TenantStore;
import dev.ebb.core.tenant.UsageView;

/** {@code GET /v1/usage}: the calling tenant's spend and reservations, limits, cache hits and worker time saved. */
public final class UsageHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final ApiGateway gateway;
    private final TenantStore tenants;

    public UsageHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public UsageHandler(DependencyFactory factory) {
        this(new ApiGateway(factory.authenticator()), factory.admissionControl().tenants());
    }

    UsageHandler(ApiGateway gateway, TenantStore tenants) {
        this.gateway = gateway;
        this.tenants = tenants;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return gateway.serve(event, (tenant, e) -> ApiGateway.json(200, UsageView.of(tenants.state(tenant))));
    }
}
