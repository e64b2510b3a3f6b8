package dev.ebb.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.ebb.core.Json;
import dev.ebb.core.scale.ScalingPolicy;
import dev.ebb.core.scale.ScalingSettings;
import dev.ebb.core.task.Lane;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
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
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The scaler function against a real SQS server (ElasticMQ, in process) and the DynamoDB-compatible test server, with ECS and Lambda
 * served by {@link AwsApiDouble} — there is no ECS or Lambda emulator here, so those two speak the real wire
 * protocol from a local HTTP server that the real SDK clients call.
 */
class ScalerHandlerTest {
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    private static SQSRestServer sqsServer;
    private static SqsClient sqs;
    private static AwsApiDouble aws;
    private static EcsClient ecs;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    private String queueUrl;
    private ScalerState state;

    @BeforeAll
    static void servers() throws Exception {
        sqsServer = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
        int port = sqsServer.waitUntilStarted().localAddress().getPort();
        sqs = SqsClient.builder().region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create("http://127.0.0.1:" + port)).build();
        aws = new AwsApiDouble();
        ecs = EcsClient.builder().region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).endpointOverride(aws.endpoint()).build();
    }

    @AfterAll
    static void stop() {
        aws.close();
        sqsServer.stopAndWait();
    }

    @BeforeEach
    void freshLane() {
        HandlerFixture.create(); // fresh tables
        String name = "ebb-gpu-" + System.nanoTime();
        queueUrl = sqs.createQueue(r -> r.queueName(name)).queueUrl();
        state = new ScalerState(HandlerFixture.dynamoDb(), HandlerFixture.JOBS_TABLE);
        aws.desired = 0;
        aws.running = 0;
        aws.pending = 0;
        aws.tasks.clear();
        aws.calls.clear();
        aws.invocations.clear();
    }

    private ScalerHandler handler() {
        var settings = new ScalingSettings(0, 10, Duration.ofSeconds(30), Duration.ofMinutes(2),
                Duration.ofSeconds(60), 5, Duration.ofMinutes(3), Duration.ofMinutes(1));
        return new ScalerHandler(new EcsLaneScaler(new ScalingPolicy(settings), sqs, ecs, state, queueUrl,
                AwsApiDouble.CLUSTER, AwsApiDouble.SERVICE, clock));
    }

    private static Map<String, Object> scheduledEvent() throws Exception {
        return Json.MAPPER.readValue(Files.readString(Path.of("events", "scheduled.json")), new TypeReference<>() { });
    }

    private void send(int messages) {
        for (int i = 0; i < messages; i++) {
            int n = i;
            sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("job " + n));
        }
    }

    @Test
    void scheduledRun_whenIdleAtZero_leavesTheServiceAlone() throws Exception {
        var answer = handler().handleRequest(scheduledEvent(), null);

        assertThat(answer).containsEntry("desired", 0).containsEntry("reason", "steady");
        assertThat(aws.calls).doesNotContain("UpdateService desiredCount=0").noneMatch(c -> c.startsWith("Update"));
        assertThat(state.read("gpu", true)).hasValueSatisfying(s -> assertThat(s.running()).isZero());
    }

    @Test
    void scheduledRun_sendsAgainTheMessageOfAJobQueuedTooLongWithNoRun_butAWakeDoesNot() throws Exception {
        HandlerFixture fixture = HandlerFixture.create();
        state = new ScalerState(HandlerFixture.dynamoDb(), HandlerFixture.JOBS_TABLE);
        fixture.jobs.create(dev.ebb.core.job.Job.queued("j_stranded", "acme", "math", dev.ebb.core.task.Lane.CPU,
                null, Json.MAPPER.createObjectNode().put("text", "What is 1 plus 1?"), null, null,
                clock.instant().minus(Duration.ofMinutes(10)), Instant.now().plus(Duration.ofDays(14))));
        var settings = new ScalingSettings(0, 10, Duration.ofSeconds(30), Duration.ofMinutes(2),
                Duration.ofSeconds(60), 5, Duration.ofMinutes(3), Duration.ofMinutes(1));
        ScalerHandler handler = new ScalerHandler(new EcsLaneScaler(new ScalingPolicy(settings), sqs, ecs, state,
                queueUrl, AwsApiDouble.CLUSTER, AwsApiDouble.SERVICE, clock),
                new dev.ebb.core.run.QueuedJobReconciler(fixture.jobs, fixture.queue, Duration.ofMinutes(3), 100,
                        clock));

        handler.handleRequest(Map.of("lane", "gpu"), null);
        assertThat(fixture.queue.sent()).isEmpty();

        var answer = handler.handleRequest(scheduledEvent(), null);

        assertThat(answer).containsEntry("resent", Map.of("gpu", 0, "cpu", 1, "llm", 0));
        assertThat(fixture.queue.sent()).singleElement()
                .satisfies(sent -> assertThat(sent.envelope().jobId()).isEqualTo("j_stranded"));
    }

    @Test
    void directInvoke_whenAMessageWaitsAtZero_setsDesiredCountToOne() {
        send(1);

        var answer = handler().handleRequest(Map.of("lane", "gpu"), null);

        assertThat(answer).containsEntry("visible", 1L).containsEntry("desired", 1).containsEntry("reason", "wake");
        assertThat(aws.calls).contains("UpdateService desiredCount=1");
    }

    @Test
    void scheduledRun_whenABurstWaits_scalesOutWithinMax() throws Exception {
        send(700);
        aws.desired = 1;
        aws.running = 1;
        aws.tasks.put("t1", true);

        var answer = handler().handleRequest(scheduledEvent(), null);

        // One serving worker covers 5·90 = 450 of 700; new ones serve 30 s each: 250 / 150 → 2 more.
        assertThat(answer).containsEntry("busy", 1).containsEntry("desired", 3);
        assertThat(aws.desired).isEqualTo(3);
    }

    @Test
    void saturationHedge_waitsOneRunAfterAScaleOut_rememberedAcrossInvocations() throws Exception {
        send(700);
        aws.desired = 1;
        aws.running = 1;
        aws.tasks.put("t1", true);
        assertThat(handler().handleRequest(scheduledEvent(), null)).containsEntry("desired", 3);
        assertThat(state.read("gpu", true).orElseThrow().settled()).isFalse();

        // The two new tasks came up and took jobs: all three busy, the 700 still waiting. They drain it within
        // 5·90 s each, so the backlog rule asks for none; the saturation hedge (a quarter more) waits a run.
        clock.advance(Duration.ofMinutes(1));
        aws.desired = 3;
        aws.running = 3;
        aws.tasks.put("t2", true);
        aws.tasks.put("t3", true);
        assertThat(handler().handleRequest(scheduledEvent(), null)).containsEntry("busy", 3)
                .containsEntry("desired", 3);
        assertThat(state.read("gpu", true).orElseThrow().settled()).isTrue();

        // Still every task busy and as much waiting a run later: now arrivals do outpace them.
        clock.advance(Duration.ofMinutes(1));
        assertThat(handler().handleRequest(scheduledEvent(), null)).containsEntry("desired", 4)
                .containsEntry("reason", "scale out");
        assertThat(aws.desired).isEqualTo(4);
    }

    @Test
    void scaleIn_waitsForTheCoolDownAcrossInvocations_andKeepsTheBusyTasks() throws Exception {
        aws.desired = 4;
        aws.running = 4;
        aws.tasks.put("t1", true);
        aws.tasks.put("t2", false);
        aws.tasks.put("t3", false);
        aws.tasks.put("t4", false);
        var handler = handler();

        var first = handler.handleRequest(scheduledEvent(), null);
        assertThat(first).containsEntry("desired", 4).containsEntry("reason", "cooling down");
        assertThat(state.read("gpu", true).orElseThrow().lowSince()).isEqualTo(clock.instant());

        clock.advance(Duration.ofMinutes(1));
        assertThat(handler().handleRequest(scheduledEvent(), null)).containsEntry("desired", 4);

        clock.advance(Duration.ofMinutes(1));
        var third = handler().handleRequest(scheduledEvent(), null);
        // Nothing waits; one task holds jobs: busy + 1 spare, at most a quarter shed while work flows → 3.
        assertThat(third).containsEntry("busy", 1).containsEntry("desired", 3).containsEntry("reason", "scale in");
        assertThat(aws.desired).isEqualTo(3);
    }

    @Test
    void busyCount_asksForTaskProtectionTenTasksAtATime() throws Exception {
        aws.desired = 12;
        aws.running = 12;
        for (int i = 0; i < 12; i++) {
            aws.tasks.put("t" + i, i % 2 == 0);
        }

        var answer = handler().handleRequest(scheduledEvent(), null);

        assertThat(answer).containsEntry("busy", 6);
        assertThat(aws.calls.stream().filter("GetTaskProtection"::equals)).hasSize(2);
    }

    @Test
    void directInvoke_forTheCpuLane_isRefusedWithAClearError() {
        var answer = handler().handleRequest(Map.of("lane", "cpu"), null);

        assertThat(answer).containsKey("error");
        assertThat(aws.calls).isEmpty();
    }

    @Test
    void laneWake_invokesTheScalerAsynchronouslyOnlyWhenTheLaneHasNoWorker_andAtMostEveryTenSeconds() {
        var lambda = LambdaClient.builder().region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).endpointOverride(aws.endpoint()).build();
        var wake = new LambdaLaneWake("ebb-scaler", () -> lambda, state, clock);

        assertThat(wake.accepted(Lane.CPU)).as("cpu lane: no workers to wake").isFalse();
        assertThat(wake.accepted(Lane.GPU)).as("no state yet: the lane never ran").isTrue();
        assertThat(wake.accepted(Lane.GPU)).as("within ten seconds").isFalse();
        assertThat(aws.invocations).containsExactly("ebb-scaler Event {\"lane\":\"gpu\"}");

        state.write("gpu", new ScalerState.State(null, 2, 2, true, clock.instant()));
        clock.advance(Duration.ofSeconds(11));
        assertThat(wake.accepted(Lane.GPU)).as("workers are running").isFalse();

        state.write("gpu", new ScalerState.State(null, 0, 0, true, clock.instant()));
        clock.advance(Duration.ofSeconds(11));
        assertThat(wake.accepted(Lane.GPU)).isTrue();
        assertThat(aws.invocations).hasSize(2);
    }

    @Test
    void dependencyFactory_withoutScalerFunction_neverWakes() {
        Map<String, String> env = new HashMap<>(Map.of("EBB_GPU_QUEUE_URL", queueUrl, "EBB_CPU_QUEUE_URL", queueUrl));
        assertThat(new DependencyFactory(env).laneWake().accepted(Lane.GPU)).isFalse();
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
