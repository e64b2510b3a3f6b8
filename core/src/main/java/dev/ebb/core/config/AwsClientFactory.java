package dev.ebb.core.config;

import dev.ebb.core.retry.SdkRetries;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsAsyncClientBuilder;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * How every deployable builds its AWS clients, in one place: the region from {@code AWS_REGION} (default
 * {@code us-east-1}), the HTTP client the deployable chose (URL-connection in a Lambda function, Apache with a
 * connection pool in the worker), call and attempt timeouts, {@link SdkRetries}' retry strategy, and an endpoint
 * override for the local cloud from the service's {@code EBB_*_ENDPOINT} variable ({@link Deployment}). Each call
 * builds a new client; the deployable builds each one once and keeps it.
 */
public final class AwsClientFactory {
    /** The region when {@code AWS_REGION} is not set. */
    public static final Region DEFAULT_REGION = Region.US_EAST_1;

    private final Map<String, String> environment;
    private final Region region;
    private final Supplier<? extends SdkHttpClient.Builder<?>> httpClient;
    private final ClientOverrideConfiguration overrides;
    private final AwsCredentialsProvider credentials;

    private AwsClientFactory(Builder builder) {
        this.environment = Map.copyOf(builder.environment);
        String region = environment.get("AWS_REGION");
        this.region = region == null || region.isBlank() ? DEFAULT_REGION : Region.of(region);
        this.httpClient = Objects.requireNonNull(builder.httpClient, "httpClient");
        ClientOverrideConfiguration.Builder overrides = ClientOverrideConfiguration.builder()
                .retryStrategy(SdkRetries.strategy());
        if (builder.attemptTimeout != null) {
            overrides.apiCallAttemptTimeout(builder.attemptTimeout);
        }
        if (builder.callTimeout != null) {
            overrides.apiCallTimeout(builder.callTimeout);
        }
        this.overrides = overrides.build();
        this.credentials = builder.credentials;
    }

    public static Builder builder() {
        return new Builder();
    }

    public DynamoDbClient dynamoDb() {
        return client(DynamoDbClient.builder(), Deployment.DYNAMODB_ENDPOINT);
    }

    public SqsClient sqs() {
        return client(SqsClient.builder(), Deployment.SQS_ENDPOINT);
    }

    /** An S3 client; with an endpoint override it addresses buckets path-style (the local store needs that). */
    public S3Client s3() {
        var builder = S3Client.builder();
        if (endpoint(Deployment.S3_ENDPOINT) != null) {
            builder.forcePathStyle(true);
        }
        return client(builder, Deployment.S3_ENDPOINT);
    }

    /**
     * An S3 presigner (it signs locally and calls nothing): same region, credentials and, against the local store,
     * endpoint and path-style addressing as {@link #s3()}, so the URLs it makes reach the same bucket.
     */
    public S3Presigner s3Presigner() {
        var builder = S3Presigner.builder().region(region);
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        URI uri = endpoint(Deployment.S3_ENDPOINT);
        if (uri != null) {
            builder.endpointOverride(uri)
                    .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build());
        }
        return builder.build();
    }

    /**
     * A client of any service built the same way, its endpoint overridden by {@code endpoint} where the environment
     * sets it: for example {@code client(EcsClient.builder(), Deployment.ECS_ENDPOINT)}.
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, Deployment.Variable endpoint) {
        builder.region(region)
                .httpClientBuilder(httpClient.get())
                .overrideConfiguration(overrides);
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        URI uri = endpoint(endpoint);
        if (uri != null) {
            builder.endpointOverride(uri);
        }
        return builder.build();
    }

    /**
     * An asynchronous client (the only kind with Bedrock's ConverseStream), built the same way — region,
     * credentials, {@link SdkRetries}' strategy, the endpoint override — on the asynchronous HTTP client the
     * deployable chose, with its own call timeout (a streamed reply takes far longer than a table write).
     */
    public <B extends AwsClientBuilder<B, C> & AwsAsyncClientBuilder<B, C>, C> C asyncClient(
            B builder, Deployment.Variable endpoint, SdkAsyncHttpClient.Builder<?> http, Duration callTimeout) {
        builder.region(region)
                .httpClientBuilder(http)
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(SdkRetries.strategy())
                        .apiCallTimeout(callTimeout).build());
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        URI uri = endpoint(endpoint);
        if (uri != null) {
            builder.endpointOverride(uri);
        }
        return builder.build();
    }

    public Region region() {
        return region;
    }

    private URI endpoint(Deployment.Variable variable) {
        String value = environment.get(variable.name());
        return value == null ? null : URI.create(value);
    }

    public static final class Builder {
        private Map<String, String> environment = Map.of();
        private Supplier<? extends SdkHttpClient.Builder<?>> httpClient;
        private Duration attemptTimeout;
        private Duration callTimeout;
        private AwsCredentialsProvider credentials;

        private Builder() {
        }

        /** Where {@code AWS_REGION} and the endpoint overrides are read from. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /** The HTTP client of each client (required): a new builder per client, as the SDK closes its own. */
        public Builder httpClient(Supplier<? extends SdkHttpClient.Builder<?>> httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        /** The longest one attempt may take; unset, the SDK's default (none). */
        public Builder attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = attemptTimeout;
            return this;
        }

        /** The longest a call may take, retries included; unset, the SDK's default (none). */
        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
            return this;
        }

        /** Credentials other than the default provider chain's (the local cloud's placeholders). */
        public Builder credentials(AwsCredentialsProvider credentials) {
            this.credentials = credentials;
            return this;
        }

        public AwsClientFactory build() {
            return new AwsClientFactory(this);
        }
    }
}
