package dev.ebb.functions;

import static dev.ebb.functions.HandlerFixture.body;
import static dev.ebb.functions.HandlerFixture.jobEvent;
import static dev.ebb.functions.HandlerFixture.submitEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.config.AdmissionSettings;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.task.Lane;
import dev.ebb.core.tenant.TenantPolicy;
import dev.ebb.core.tenant.TenantStore;
import dev.ebb.core.testing.TestDynamoDb;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The front door as deployed: the functions' own {@link DependencyFactory} on the DynamoDB-compatible test server
 * and a real SQS-compatible server (ElasticMQ), driven through the submit, get and cpu-lane handlers.
 */
class FrontDoorHandlerTest {
    private static SQSRestServer sqsServer;
    private static SqsClient sqs;
    private static URI sqsEndpoint;

    private HandlerFixture fixture;
    private String key;
    private String cpuQueue;
    private String cache;
    private String tenants;

    @BeforeAll
    static void servers() {
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "test"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "test"));
        sqsServer = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
        int port = sqsServer.waitUntilStarted().localAddress().getPort();
        sqsEndpoint = URI.create("http://127.0.0.1:" + port);
        sqs = SqsClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).endpointOverride(sqsEndpoint).build();
    }

    @AfterAll
    static void stop() {
        sqsServer.stopAndWait();
    }

    @BeforeEach
    void fresh() {
        fixture = HandlerFixture.create();
        key = fixture.keys.create("acme");
        long n = System.nanoTime();
        cpuQueue = sqs.createQueue(r -> r.queueName("fd-cpu-" + n)).queueUrl();
        cache = "fd-cache-" + n;
        tenants = "fd-tenants-" + n;
        dev.ebb.core.testing.Tables.recreate(HandlerFixture.dynamoDb(), cache, Deployment.CACHE.hashKey());
        dev.ebb.core.testing.Tables.recreate(HandlerFixture.dynamoDb(), tenants, Deployment.TENANTS.hashKey());
    }

    private DependencyFactory factory(Map<String, String> extra) {
        String gpuQueue = sqs.createQueue(r -> r.queueName("fd-gpu-" + System.nanoTime())).queueUrl();
        Map<String, String> env = new HashMap<>(Map.of(
                Deployment.JOBS_TABLE.name(), HandlerFixture.JOBS_TABLE,
                Deployment.KEYS_TABLE.name(), HandlerFixture.KEYS_TABLE,
                AdmissionSettings.CACHE_TABLE, cache,
                AdmissionSettings.TENANTS_TABLE, tenants,
                Deployment.CPU_QUEUE_URL.name(), cpuQueue,
                Deployment.GPU_QUEUE_URL.name(), gpuQueue,
                Deployment.DYNAMODB_ENDPOINT.name(), TestDynamoDb.endpoint().toString(),
                Deployment.SQS_ENDPOINT.name(), sqsEndpoint.toString(),
                AdmissionSettings.POLICY_CACHE_SECONDS, "0"));
        env.putAll(extra);
        return new DependencyFactory(env);
    }

    @Test
    void aRepeatedRequest_is200CachedTrue_neverQueued_andGetOfItsJobWorks() {
        DependencyFactory functions = factory(Map.of());
        SubmitJobHandler submit = new SubmitJobHandler(functions);
        String body = "{\"task\":\"math\",\"input\":{\"text\":\"What is 12 times 12?\"}}";

        APIGatewayV2HTTPResponse first = submit.handleRequest(submitEvent(key, body), null);
        assertThat(first.getStatusCode()).isEqualTo(202);
        assertThat(body(first).has("eta")).as("the lane's measured ETA").isTrue();
        runCpuLane(functions);

        APIGatewayV2HTTPResponse again = submit.handleRequest(submitEvent(key, body), null);
        assertThat(again.getStatusCode()).isEqualTo(200);
        JsonNode answered = body(again);
        assertThat(answered.path("cached").asBoolean()).isTrue();
        assertThat(answered.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(answered.at("/result/text").asText()).isEqualTo("12 times 12 = 144");
        assertThat(depth()).as("nothing was queued for the hit").isZero();

        APIGatewayV2HTTPResponse read = new GetJobHandler(functions).handleRequest(
                jobEvent("get-job.json", key, answered.path("jobId").asText()), null);
        assertThat(read.getStatusCode()).isEqualTo(200);
        assertThat(body(read).path("cached").asBoolean()).isTrue();
        assertThat(body(read).path("result")).isEqualTo(answered.path("result"));

        String off = "{\"task\":\"math\",\"input\":{\"text\":\"What is 12 times 12?\"},\"cache\":\"off\"}";
        assertThat(submit.handleRequest(submitEvent(key, off), null).getStatusCode()).isEqualTo(202);
        String bad = "{\"task\":\"math\",\"input\":{\"text\":\"What is 12 times 12?\"},\"cache\":\"sometimes\"}";
        APIGatewayV2HTTPResponse refused = submit.handleRequest(submitEvent(key, bad), null);
        assertThat(refused.getStatusCode()).isEqualTo(400);
        assertThat(body(refused).at("/error/code").asText()).isEqualTo("invalid_field");
    }

    @Test
    void limits_answer429_402_503_withTheirCodes_andRetryAfter() {
        DependencyFactory functions = factory(Map.of());
        SubmitJobHandler submit = new SubmitJobHandler(functions);
        TenantStore store = functions.admissionControl().tenants();

        store.setPolicy("acme", new TenantPolicy(false, 0.5, 1, null));
        assertThat(submit.handleRequest(submitEvent(key, math(1)), null).getStatusCode()).isEqualTo(202);
        APIGatewayV2HTTPResponse limited = submit.handleRequest(submitEvent(key, math(2)), null);
        assertThat(limited.getStatusCode()).isEqualTo(429);
        assertThat(body(limited).at("/error/code").asText()).isEqualTo("rate_limited");
        assertThat(limited.getHeaders()).containsKey("retry-after");

        // A budget of 1: the job before it was accepted without one (nothing reserved), so one more fits, not two.
        store.setPolicy("acme", new TenantPolicy(false, null, null, 1.0));
        assertThat(submit.handleRequest(submitEvent(key, math(3)), null).getStatusCode()).isEqualTo(202);
        APIGatewayV2HTTPResponse broke = submit.handleRequest(submitEvent(key, math(5)), null);
        assertThat(broke.getStatusCode()).isEqualTo(402);
        assertThat(body(broke).at("/error/code").asText()).isEqualTo("budget_exceeded");

        store.setPolicy("acme", new TenantPolicy(true, null, null, null));
        APIGatewayV2HTTPResponse off = submit.handleRequest(submitEvent(key, math(4)), null);
        assertThat(off.getStatusCode()).isEqualTo(503);
        assertThat(body(off).at("/error/code").asText()).isEqualTo("tenant_disabled");
        assertThat(off.getHeaders()).containsKey("retry-after");
        assertThat(depth()).as("only the two requests answered 202 were queued").isEqualTo(2);
    }

    @Test
    void overflow_is503_withARetryAfterFromTheRealQueuesDepthAndTheMeasuredDrain() throws Exception {
        for (int i = 0; i < 50; i++) {
            int n = i;
            sqs.sendMessage(r -> r.queueUrl(cpuQueue).messageBody("backlog " + n));
        }
        DependencyFactory functions = factory(Map.of(AdmissionSettings.OVERFLOW_MAX_DEPTH, "10"));
        SubmitJobHandler submit = new SubmitJobHandler(functions);

        APIGatewayV2HTTPResponse unknown = submit.handleRequest(submitEvent(key, math(1)), null);
        assertThat(unknown.getStatusCode()).isEqualTo(503);
        assertThat(body(unknown).at("/error/code").asText()).isEqualTo("overloaded");
        assertThat(unknown.getHeaders().get("retry-after")).as("no drain measured yet")
                .isEqualTo(Long.toString(dev.ebb.core.admission.LaneBacklog.UNKNOWN_ETA.toSeconds()));

        functions.admissionControl().tenants().addCompleted(Lane.CPU, 20); // workers ended 20 jobs meanwhile
        Thread.sleep(1100); // past the once-a-second refresh
        APIGatewayV2HTTPResponse measured = submit.handleRequest(submitEvent(key, math(2)), null);
        assertThat(measured.getStatusCode()).isEqualTo(503);
        long retryAfter = Long.parseLong(measured.getHeaders().get("retry-after"));
        // The measured drain replaced the unknown estimate: 40 jobs over the limit at 20 jobs per at least 1.1 s.
        // (The formula itself, on a fake clock: OverflowTest. No upper bound here: it would time this machine.)
        assertThat(retryAfter).isGreaterThanOrEqualTo((long) Math.ceil(40 / (20 / 1.1)))
                .isNotEqualTo(dev.ebb.core.admission.LaneBacklog.UNKNOWN_ETA.toSeconds());
        assertThat(depth()).as("nothing of ours was queued").isEqualTo(50);
    }

    @Test
    void usage_showsTheTenantItsSpendLimitsAndCacheHits_andOnlyItsOwn() {
        DependencyFactory functions = factory(Map.of());
        SubmitJobHandler submit = new SubmitJobHandler(functions);
        functions.admissionControl().tenants().setPolicy("acme", new TenantPolicy(false, 5.0, 10, 50.0));
        String body = "{\"task\":\"math\",\"input\":{\"text\":\"What is 3 times 3?\"}}";
        submit.handleRequest(submitEvent(key, body), null);
        runCpuLane(functions);
        submit.handleRequest(submitEvent(key, body), null); // a hit
        functions.admissionControl().usage().flushAll();

        APIGatewayV2HTTPResponse response = new UsageHandler(functions).handleRequest(
                HandlerFixture.httpEvent("usage.json", key), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        JsonNode usage = body(response);
        assertThat(usage.path("tenant").asText()).isEqualTo("acme");
        assertThat(usage.at("/spend/spent").asDouble()).isEqualTo(1.0);
        assertThat(usage.at("/spend/reserved").asDouble()).isZero();
        assertThat(usage.at("/spend/budget").asDouble()).isEqualTo(50.0);
        assertThat(usage.at("/spend/available").asDouble()).isEqualTo(49.0);
        assertThat(usage.at("/limits/ratePerSecond").asDouble()).isEqualTo(5.0);
        assertThat(usage.at("/cache/hits").asLong()).isEqualTo(1);

        String other = fixture.keys.create("globex");
        JsonNode theirs = body(new UsageHandler(functions).handleRequest(HandlerFixture.httpEvent("usage.json", other),
                null));
        assertThat(theirs.path("tenant").asText()).isEqualTo("globex");
        assertThat(theirs.at("/spend/spent").asDouble()).isZero();
        assertThat(new UsageHandler(functions).handleRequest(HandlerFixture.httpEvent("usage.json", null), null)
                .getStatusCode()).isEqualTo(401);
    }

    private static String math(int n) {
        return "{\"task\":\"math\",\"input\":{\"text\":\"What is " + n + " plus 5?\"}}";
    }

    private long depth() {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(cpuQueue).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Receives the cpu queue's messages and hands them to the queue worker as Lambda's event source would. */
    private void runCpuLane(DependencyFactory functions) {
        List<Message> received = sqs.receiveMessage(r -> r.queueUrl(cpuQueue).maxNumberOfMessages(10)
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : received) {
            records.add(HandlerFixture.sqsMessage(m.messageId(), m.body()));
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        new QueueWorkerHandler(functions).handleRequest(event, null);
        received.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(cpuQueue).receiptHandle(m.receiptHandle())));
    }
}
