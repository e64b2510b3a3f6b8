package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.api.UploadUrls;

/**
 * {@code POST /v1/uploads {task, filename}}: {@code 201 {key, url, method:"PUT", expiresAt}}, a presigned URL that
 * puts one object under the tenant's upload prefix; the object then becomes a job as any upload does.
 */
public final class CreateUploadHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final ApiGateway gateway;
    private final UploadUrls uploads;

    public CreateUploadHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public CreateUploadHandler(DependencyFactory factory) {
        this(new ApiGateway(factory.authenticator()), factory.uploadUrls());
    }

    CreateUploadHandler(ApiGateway gateway, UploadUrls uploads) {
        this.gateway = gateway;
        this.uploads = uploads;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return gateway.serve(event, (tenant, e) -> ApiGateway.json(201, uploads.presign(tenant, ApiGateway.body(e))));
    }
}
