package dev.ebb.infra;

import java.util.List;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.HttpStageOptions;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The HTTP API (API Gateway v2): {@code /v1/jobs} routes to the functions, one {@code $default} stage with
 * throttling and JSON access logs.
 *
 * <p>Authentication is the API key, checked by the functions themselves against the keys table (hashed keys, a
 * 30-second in-function cache), not by a Lambda authorizer: the handler must look the key up anyway to learn the
 * tenant it scopes every query to, and an authorizer would add a second function, a second cold start and a second
 * invocation per uncached request for the same lookup. Unauthenticated requests get a 401 from the function.
 */
public final class Api extends Construct {
    /** Access log fields: who, what, how it ended and how long it took; never headers, keys or bodies. */
    static final String ACCESS_LOG_FORMAT = "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
            + "\"requestTime\":\"$context.requestTime\",\"routeKey\":\"$context.routeKey\","
            + "\"status\":\"$context.status\",\"protocol\":\"$context.protocol\","
            + "\"responseLength\":\"$context.responseLength\",\"responseLatency\":\"$context.responseLatency\","
            + "\"integrationLatency\":\"$context.integrationLatency\","
            + "\"integrationError\":\"$context.integrationErrorMessage\"}";

    /**
     * @param rateLimit  steady requests per second across the API
     * @param burstLimit requests allowed in a burst
     */
    public record Props(double rateLimit, int burstLimit, IFunction submit, IFunction get, IFunction cancel,
                        IFunction list, IFunction createUpload, IFunction usage) {
    }

    private final HttpApi api;
    private final HttpStage stage;
    private final LogGroup accessLogs;

    public Api(Construct scope, String id, Props props) {
        super(scope, id);
        this.api = HttpApi.Builder.create(this, "HttpApi")
                .description("Ebb job API (/v1); the functions authenticate the API key against the keys table")
                .createDefaultStage(false)
                .build();
        this.accessLogs = LogGroup.Builder.create(this, "AccessLogs")
                .retention(RetentionDays.ONE_YEAR)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        this.stage = api.addStage("DefaultStage", HttpStageOptions.builder()
                .stageName("$default")
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder().rateLimit(props.rateLimit()).burstLimit(props.burstLimit()).build())
                .accessLogSettings(new IAccessLogSettings() {
                    @Override
                    public IAccessLogDestination getDestination() {
                        return new LogGroupLogDestination(accessLogs);
                    }

                    @Override
                    public AccessLogFormat getFormat() {
                        return AccessLogFormat.custom(ACCESS_LOG_FORMAT);
                    }
                })
                .build());
        route("/v1/jobs", HttpMethod.POST, "SubmitJob", props.submit());
        route("/v1/jobs/{id}", HttpMethod.GET, "GetJob", props.get());
        route("/v1/jobs/{id}", HttpMethod.DELETE, "CancelJob", props.cancel());
        route("/v1/jobs", HttpMethod.GET, "ListJobs", props.list());
        route("/v1/uploads", HttpMethod.POST, "CreateUpload", props.createUpload());
        route("/v1/usage", HttpMethod.GET, "Usage", props.usage());
    }

    /** The chat sessions' routes, all to {@code sessions} (it tells them apart by method). */
    public void sessions(IFunction sessions) {
        route("/v1/sessions/{id}/messages", HttpMethod.POST, "PostMessage", sessions);
        route("/v1/sessions/{id}", HttpMethod.GET, "GetSession", sessions);
        route("/v1/sessions/{id}", HttpMethod.DELETE, "EndSession", sessions);
    }

    private void route(String path, HttpMethod method, String id, IFunction function) {
        api.addRoutes(AddRoutesOptions.builder()
                .path(path)
                .methods(List.of(method))
                .integration(new HttpLambdaIntegration(id + "Integration", function))
                .build());
    }

    public HttpApi api() {
        return api;
    }

    public HttpStage stage() {
        return stage;
    }

    public LogGroup accessLogs() {
        return accessLogs;
    }

    /** The base URL clients call (append v1/jobs). */
    public String url() {
        return stage.getUrl();
    }
}
