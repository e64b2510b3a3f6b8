package dev.ebb.local.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.api.JobService;
import dev.ebb.core.config.Settings;
import dev.ebb.core.task.Lane;
import dev.ebb.functions.DependencyFactory;
import dev.ebb.functions.QueueWorkerHandler;
import dev.ebb.functions.UploadHandler;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The same provisioning and job path as the local cloud, against LocalStack instead of the embedded servers: the
 * tables (both indexes, TTL), queues and bucket, then a job submitted, run by the cpu lane's handler and listed.
 * Opt-in (the {@code localstack} Maven profile) and skipped without Docker. Set {@code LOCALSTACK_IMAGE} to pick the
 * image (current LocalStack images may want {@code LOCALSTACK_AUTH_TOKEN} in the environment).
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackIT {
    @Container
    static final LocalStackContainer LOCALSTACK = new LocalStackContainer(
            System.getenv().getOrDefault("LOCALSTACK_IMAGE", "localstack/localstack:4"))
            .withEnv(System.getenv().containsKey("LOCALSTACK_AUTH_TOKEN")
                    ? Map.of("LOCALSTACK_AUTH_TOKEN", System.getenv("LOCALSTACK_AUTH_TOKEN")) : Map.of());

    private static ProvisionedResources resources;
    private static Map<String, String> env;

    @BeforeAll
    static void provision() {
        URI endpoint = LOCALSTACK.getEndpoint();
        System.setProperty("aws.accessKeyId", LOCALSTACK.getAccessKey());
        System.setProperty("aws.secretAccessKey", LOCALSTACK.getSecretKey());
        var credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
        Region region = Region.of(LOCALSTACK.getRegion());
        try (SqsClient sqs = SqsClient.builder().region(region).credentialsProvider(credentials).endpointOverride(endpoint)
                     .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
             DynamoDbClient dynamoDb = DynamoDbClient.builder().region(region).credentialsProvider(credentials)
                     .endpointOverride(endpoint).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
             S3Client s3 = S3Client.builder().region(region).credentialsProvider(credentials).endpointOverride(endpoint)
                     .forcePathStyle(true).httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            resources = new Provisioner(sqs, dynamoDb, s3).provision(ResourceSpec.defaults());
        }
        env = new HashMap<>(Map.of(
                "AWS_REGION", LOCALSTACK.getRegion(),
                DependencyFactory.DYNAMODB_ENDPOINT, endpoint.toString(),
                DependencyFactory.SQS_ENDPOINT, endpoint.toString(),
                DependencyFactory.S3_ENDPOINT, endpoint.toString(),
                Settings.GPU_QUEUE_URL, resources.queueUrl(Lane.GPU.id()),
                Settings.CPU_QUEUE_URL, resources.queueUrl(Lane.CPU.id()),
                UploadHandler.BUCKET, ResourceSpec.BUCKET));
    }

    @Test
    void aMathJob_isSubmittedRunByTheCpuLaneAndListed() throws Exception {
        DependencyFactory factory = new DependencyFactory(env);
        JobService.Submitted submitted = factory.jobService().submit("localstack",
                "{\"task\":\"math\",\"input\":{\"text\":\"What is 20 divided by 4?\"}}");

        List<Message> messages = factory.sqsClient().receiveMessage(r -> r.queueUrl(resources.queueUrl("cpu"))
                .maxNumberOfMessages(10).waitTimeSeconds(10).messageSystemAttributeNamesWithStrings("All")).messages();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message message : messages) {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(message.messageId());
            record.setReceiptHandle(message.receiptHandle());
            record.setBody(message.body());
            record.setAttributes(Map.of("ApproximateReceiveCount", "1"));
            record.setEventSource("aws:sqs");
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        new QueueWorkerHandler(factory).handleRequest(event, null);

        JsonNode listed = factory.jobList().list("localstack", Map.of("status", "SUCCEEDED"));
        assertThat(listed.path("jobs")).extracting(j -> j.path("jobId").asText())
                .contains(submitted.job().jobId());
        JsonNode job = listed.path("jobs").get(0);
        assertThat(job.path("result").path("text").asText()).isEqualTo("20 divided by 4 = 5");
    }
}
