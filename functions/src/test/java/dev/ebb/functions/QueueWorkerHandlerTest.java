package dev.ebb.functions;

import static dev.ebb.functions.HandlerFixture.sqsMessage;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.ebb.core.Json;
import dev.ebb.core.api.Limits;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class QueueWorkerHandlerTest {
    private HandlerFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = HandlerFixture.create();
    }

    @Test
    void handleRequest_withSampleEvent_runsEveryJobAndReportsNoFailures() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/queue-worker.json");
        List<String> jobIds = queueJobsOf(event);

        SQSBatchResponse response = fixture.queueWorker().handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        Job first = fixture.storedJob(jobIds.get(0));
        assertThat(first.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(first.result().path("text").asText()).isEqualTo("50 divided by 2 = 25");
        assertThat(first.result().path("value").asInt()).isEqualTo(25);
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.finishedAt()).isNotNull();
        assertThat(first.leaseOwner()).isNull();
        Job second = fixture.storedJob(jobIds.get(1));
        assertThat(second.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(second.result().path("text").asText()).isEqualTo("7 times 6 = 42");
    }

    @Test
    void handleRequest_whenOneBodyIsGarbage_reportsOnlyThatMessageAsFailed() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/queue-worker.json");
        List<String> jobIds = queueJobsOf(event);
        List<SQSEvent.SQSMessage> records = new ArrayList<>(event.getRecords());
        records.add(1, sqsMessage("garbage-1", "this is not an envelope"));
        records.add(sqsMessage("future-version", "{\"v\":2,\"jobId\":\"" + JobIds.random() + "\",\"tenant\":\"acme\",\"task\":\"math\"}"));
        event.setRecords(records);

        SQSBatchResponse response = fixture.queueWorker().handleRequest(event, null);

        assertThat(response.getBatchItemFailures())
                .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactlyInAnyOrder("garbage-1", "future-version");
        assertThat(jobIds).allSatisfy(id -> assertThat(fixture.storedJob(id).status()).isEqualTo(JobStatus.SUCCEEDED));
    }

    @Test
    void handleRequest_whenJobAlreadySucceeded_deletesTheMessageAndKeepsTheResult() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/queue-worker.json");
        String jobId = queueJobsOf(event).get(0);
        fixture.queueWorker().handleRequest(event, null);
        Job before = fixture.storedJob(jobId);

        // The same messages delivered again, to another worker instance.
        SQSBatchResponse redelivered = fixture.queueWorker().handleRequest(
                EventLoader.loadSQSEvent("events/queue-worker.json"), null);

        assertThat(redelivered.getBatchItemFailures()).isEmpty();
        Job after = fixture.storedJob(jobId);
        assertThat(after.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(after.result()).isEqualTo(before.result());
        assertThat(after.finishedAt()).isEqualTo(before.finishedAt());
        assertThat(after.attempts()).isEqualTo(1);
    }

    @Test
    void handleRequest_whenJobWasCancelled_deletesTheMessageAndLeavesItCancelled() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/queue-worker.json");
        String jobId = queueJobsOf(event).get(0);
        Instant now = Instant.now();
        fixture.jobs.cancel("sample", jobId, now, now.plus(1, ChronoUnit.DAYS));

        SQSBatchResponse response = fixture.queueWorker().handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(fixture.storedJob(jobId).result()).isNull();
    }

    @Test
    void handleRequest_whenJobDoesNotExist_deletesTheMessage() {
        // Nothing created: the jobs expired or never existed, so the messages have nothing left to do.
        SQSBatchResponse response = fixture.queueWorker().handleRequest(
                EventLoader.loadSQSEvent("events/queue-worker.json"), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(fixture.allJobItems()).isEmpty();
    }

    @Test
    void handleRequest_whenJobDividesByZero_failsTheJobButNotTheMessage() throws Exception {
        Job job = queued(JobIds.random(), "acme", "What is 5 divided by 0?");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(sqsMessage("m-0", JobEnvelope.of(job).toJson())));

        SQSBatchResponse response = fixture.queueWorker().handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        Job stored = fixture.storedJob(job.jobId());
        assertThat(stored.status()).isEqualTo(JobStatus.FAILED);
        assertThat(stored.error().code()).isEqualTo("division_by_zero");
        assertThat(stored.error().message()).isNotBlank();
        assertThat(stored.result()).isNull();
    }

    @Test
    void handleRequest_whenAnotherWorkerHoldsTheLease_reportsTheMessageAsFailed() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/queue-worker.json");
        String jobId = queueJobsOf(event).get(0);
        Instant now = Instant.now();
        fixture.jobs.claim(jobId, "gpu-worker-7", now.plusSeconds(300), now);

        SQSBatchResponse response = fixture.queueWorker().handleRequest(event, null);

        assertThat(response.getBatchItemFailures())
                .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(event.getRecords().get(0).getMessageId());
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(fixture.storedJob(jobId).leaseOwner()).isEqualTo("gpu-worker-7");
    }

    @Test
    void handleRequest_withEmptyEvent_reportsNoFailures() {
        assertThat(fixture.queueWorker().handleRequest(new SQSEvent(), null).getBatchItemFailures()).isEmpty();
    }

    /** Creates, QUEUED, the jobs whose envelopes the event carries; returns their ids in record order. */
    private List<String> queueJobsOf(SQSEvent event) throws JobEnvelope.MalformedEnvelopeException {
        List<String> ids = new ArrayList<>();
        for (SQSEvent.SQSMessage record : event.getRecords()) {
            JobEnvelope envelope = JobEnvelope.parse(record.getBody());
            queued(envelope.jobId(), envelope.tenant(), envelope.input().path("text").asText());
            ids.add(envelope.jobId());
        }
        return ids;
    }

    private Job queued(String jobId, String tenant, String text) {
        Instant now = Instant.now();
        Job job = Job.queued(jobId, tenant, "math", Lane.CPU, null,
                Json.MAPPER.createObjectNode().put("text", text), null, null, now,
                now.plus(14, ChronoUnit.DAYS));
        fixture.jobs.create(job);
        return job;
    }

    /** SnapStart: nothing about the claim owner is fixed at init; each invocation claims under its own. */
    @Test
    void handleRequest_takesItsClaimOwnerPerInvocation_neverAtInit() throws Exception {
        List<String> owners = new ArrayList<>();
        QueueWorkerHandler handler = new QueueWorkerHandler(owner -> {
            owners.add(owner);
            return JobRunner.builder().store(fixture.jobs).tasks(DependencyFactory.tasks(Map.of())).owner(owner)
                    .lease(Duration.ofSeconds(60)).resultTtl(Limits.DEFAULTS.resultTtl()).build();
        });
        assertThat(owners).as("nothing taken at init (the snapshot)").isEmpty();

        SQSEvent event = EventLoader.loadSQSEvent("events/queue-worker.json");
        queueJobsOf(event);
        handler.handleRequest(event, new TestContext("req-1"));
        handler.handleRequest(new SQSEvent(), new TestContext("req-2"));
        handler.handleRequest(new SQSEvent(), null);
        handler.handleRequest(new SQSEvent(), null);

        assertThat(owners).hasSize(4).doesNotHaveDuplicates();
        assertThat(owners.subList(0, 2)).containsExactly("lambda-req-1", "lambda-req-2");
    }

    /** A Lambda context that knows its request id. */
    private record TestContext(String requestId) implements com.amazonaws.services.lambda.runtime.Context {
        @Override public String getAwsRequestId() { return requestId; }
        @Override public String getLogGroupName() { return null; }
        @Override public String getLogStreamName() { return null; }
        @Override public String getFunctionName() { return "QueueWorker"; }
        @Override public String getFunctionVersion() { return "1"; }
        @Override public String getInvokedFunctionArn() { return null; }
        @Override public com.amazonaws.services.lambda.runtime.CognitoIdentity getIdentity() { return null; }
        @Override public com.amazonaws.services.lambda.runtime.ClientContext getClientContext() { return null; }
        @Override public int getRemainingTimeInMillis() { return 30_000; }
        @Override public int getMemoryLimitInMB() { return 1024; }
        @Override public com.amazonaws.services.lambda.runtime.LambdaLogger getLogger() { return null; }
    }
}
