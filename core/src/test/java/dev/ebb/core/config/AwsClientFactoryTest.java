package dev.ebb.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.retry.SdkRetries;
import dev.ebb.core.testing.TestS3;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

class AwsClientFactoryTest {

    @Test
    void clients_getTheRegionTimeoutsRetriesAndTheirOwnEndpointOverride() {
        AwsClientFactory factory = AwsClientFactory.builder()
                .environment(Map.of("AWS_REGION", "eu-west-1",
                        Deployment.DYNAMODB_ENDPOINT.name(), "http://127.0.0.1:8000"))
                .httpClient(UrlConnectionHttpClient::builder)
                .attemptTimeout(Duration.ofSeconds(5))
                .callTimeout(Duration.ofSeconds(15))
                .build();

        try (DynamoDbClient dynamoDb = factory.dynamoDb(); SqsClient sqs = factory.sqs()) {
            var config = dynamoDb.serviceClientConfiguration();
            assertThat(config.region()).isEqualTo(Region.EU_WEST_1);
            assertThat(config.endpointOverride()).contains(URI.create("http://127.0.0.1:8000"));
            assertThat(config.overrideConfiguration().apiCallAttemptTimeout()).contains(Duration.ofSeconds(5));
            assertThat(config.overrideConfiguration().apiCallTimeout()).contains(Duration.ofSeconds(15));
            assertThat(config.overrideConfiguration().retryStrategy()).hasValueSatisfying(retries ->
                    assertThat(retries.maxAttempts()).isEqualTo(SdkRetries.MAX_ATTEMPTS));
            assertThat(sqs.serviceClientConfiguration().endpointOverride()).as("no EBB_SQS_ENDPOINT").isEmpty();
            assertThat(sqs.serviceClientConfiguration().region()).isEqualTo(Region.EU_WEST_1);
        }
    }

    @Test
    void region_whenAwsRegionIsUnset_isUsEast1() {
        AwsClientFactory factory = AwsClientFactory.builder().httpClient(UrlConnectionHttpClient::builder).build();
        assertThat(factory.region()).isEqualTo(Region.US_EAST_1);
    }

    /** EBB_S3_ENDPOINT and the given credentials take the client to the local store: a bucket round trip. */
    @Test
    void s3_withAnEndpointOverride_reachesTheLocalStore() {
        try (S3Client s3 = AwsClientFactory.builder()
                .environment(Map.of(Deployment.S3_ENDPOINT.name(), TestS3.endpoint().toString()))
                .httpClient(UrlConnectionHttpClient::builder)
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build()
                .s3()) {
            s3.createBucket(r -> r.bucket("path-style"));
            s3.putObject(r -> r.bucket("path-style").key("k"), RequestBody.fromString("v"));
            assertThat(s3.getObjectAsBytes(r -> r.bucket("path-style").key("k")).asUtf8String()).isEqualTo("v");
        }
    }
}
