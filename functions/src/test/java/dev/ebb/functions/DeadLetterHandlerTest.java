package dev.ebb.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.ebb.core.Json;
import dev.ebb.core.job.DeadLetterIndex;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.LastError;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dead-letter consumer and the redrive, against the DynamoDB-compatible test server with the jobs table's dead-letter index. */
class DeadLetterHandlerTest {
    private HandlerFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = HandlerFixture.create();
    }

    @Test
    void handleRequest_withSampleEvent_failsTheJobWithItsReasonAndMarksItForRedrive() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/dead-letter.json");
        String jobId = queue(event, Lane.GPU);

        SQSBatchResponse response = fixture.deadLetterHandler().handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        Job job = fixture.storedJob(jobId);
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error().code()).isEqualTo("dead_lettered");
        assertThat(job.error().message()).contains("received 6 times").contains("0 runs started");
        assertThat(fixture.rawItem(jobId)).containsKey(DeadLetterIndex.LANE);
        assertThat(fixture.rawItem(jobId).get(DeadLetterIndex.LANE).s()).isEqualTo("gpu");
        assertThat(job.expiresAt()).as("kept for redrive as long as a new job")
                .isAfter(Instant.now().plus(Duration.ofDays(13)));
    }

    @Test
    void handleRequest_whenAWorkerRecordedAnError_theReasonNamesItAndTheAttempts() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/dead-letter.json");
        String jobId = queue(event, Lane.GPU);
        Instant started = Instant.now().minusSeconds(120);
        fixture.jobs.claim(jobId, "worker-a#1", started.plusSeconds(50), started); // its lease has lapsed
        fixture.jobs.recordError(jobId, new LastError("store_unavailable",
                "the job ran but its completion could not be written", started.plusSeconds(10), "worker-a#1"));

        fixture.deadLetterHandler().handleRequest(event, null);

        Job job = fixture.storedJob(jobId);
        assertThat(job.error().code()).isEqualTo("dead_lettered");
        assertThat(job.error().message()).contains("received 6 times").contains("1 runs started")
                .contains("Last error: store_unavailable (the job ran but its completion could not be written)")
                .contains("worker-a#1")
                .doesNotContain("never finished").doesNotContain("No error was recorded");
    }

    @Test
    void handleRequest_whenTheLastRunNeverFinished_theReasonNamesThatRun() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/dead-letter.json");
        String jobId = queue(event, Lane.GPU);
        Instant first = Instant.now().minusSeconds(300);
        fixture.jobs.claim(jobId, "worker-a#1", first.plusSeconds(50), first);
        fixture.jobs.recordError(jobId, new LastError("lease_lost", "a run finished after its lease had lapsed",
                first.plusSeconds(60), "worker-a#1"));
        Instant second = Instant.now().minusSeconds(100);
        fixture.jobs.claim(jobId, "worker-b#4", second.plusSeconds(50), second); // crashed: no error, lease lapsed

        fixture.deadLetterHandler().handleRequest(event, null);

        String reason = fixture.storedJob(jobId).error().message();
        assertThat(reason).contains("2 runs started").contains("Last error: lease_lost")
                .contains("The last run, worker-b#4 started at " + second.truncatedTo(
                        java.time.temporal.ChronoUnit.MILLIS) + ", never finished");
    }

    @Test
    void handleRequest_whenTheJobAlreadySucceeded_deletesTheDeadLetterAndKeepsTheResult() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/dead-letter.json");
        String jobId = queue(event, Lane.GPU);
        Instant now = Instant.now();
        fixture.jobs.claim(jobId, "w", now.plusSeconds(60), now);
        fixture.jobs.complete(jobId, "w", dev.ebb.core.task.Outcome.success(Json.MAPPER.createObjectNode()
                .put("text", "12 times 12 = 144")), now, now.plus(Duration.ofDays(1)));

        SQSBatchResponse response = fixture.deadLetterHandler().handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        Job job = fixture.storedJob(jobId);
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(fixture.rawItem(jobId)).doesNotContainKey(DeadLetterIndex.LANE);
    }

    @Test
    void handleRequest_whenALiveWorkerHoldsTheJob_reportsTheMessageForLater() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/dead-letter.json");
        String jobId = queue(event, Lane.GPU);
        Instant now = Instant.now();
        fixture.jobs.claim(jobId, "live-worker", now.plusSeconds(300), now);

        SQSBatchResponse response = fixture.deadLetterHandler().handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).extracting(f -> f.getItemIdentifier())
                .containsExactly(event.getRecords().get(0).getMessageId());
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void redrive_withSampleEvent_requeuesDeadLetteredJobsOldestFirstAndOnlyOnce() throws Exception {
        SQSEvent event = EventLoader.loadSQSEvent("events/dead-letter.json");
        String jobId = queue(event, Lane.GPU);
        fixture.deadLetterHandler().handleRequest(event, null);
        String secondId = deadLettered("What is 1 plus 1?");
        Map<String, Object> request = Json.MAPPER.readValue(java.nio.file.Files.readString(
                java.nio.file.Path.of("events/redrive.json")), Map.class);

        Map<String, Object> first = fixture.redriveHandler().handleRequest(request, null);

        assertThat(first).containsEntry("lane", "gpu").containsEntry("redriven", 2).containsEntry("skipped", 0)
                .containsEntry("more", false);
        Job reopened = fixture.storedJob(jobId);
        assertThat(reopened.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(reopened.error()).isNull();
        assertThat(reopened.finishedAt()).isNull();
        assertThat(fixture.rawItem(jobId)).doesNotContainKey(DeadLetterIndex.LANE);
        assertThat(fixture.queue.sent()).extracting(s -> s.envelope().jobId()).containsExactly(jobId, secondId);
        assertThat(fixture.queue.sent().get(0).envelope().input().path("text").asText()).isEqualTo("What is 12 times 12?");
        assertThat(fixture.queue.sent().get(0).lane()).isEqualTo(Lane.GPU);

        Map<String, Object> again = fixture.redriveHandler().handleRequest(request, null);
        assertThat(again).containsEntry("redriven", 0).containsEntry("skipped", 0);
        assertThat(fixture.queue.sent()).hasSize(2);
    }

    @Test
    void redrive_whenInterruptedAfterTheReopen_sendsTheMessageOnTheNextRun() throws Exception {
        String jobId = deadLettered("What is 2 plus 2?");
        Instant now = Instant.now();
        // The first redrive reopened the job, then died before it sent the message: the mark is still there.
        new dev.ebb.core.job.DynamoDbDeadLetterStore(HandlerFixture.dynamoDb(), HandlerFixture.JOBS_TABLE)
                .reopen(jobId, now, now.plus(Duration.ofDays(14)));
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.QUEUED);
        assertThat(fixture.queue.sent()).isEmpty();

        Map<String, Object> report = fixture.redriveHandler().handleRequest(Map.of("lane", "gpu"), null);

        assertThat(report).containsEntry("redriven", 1);
        assertThat(fixture.queue.sent()).extracting(s -> s.envelope().jobId()).containsExactly(jobId);
    }

    @Test
    void redrive_whenTheJobWasCancelledMeanwhile_skipsIt() throws Exception {
        String jobId = deadLettered("What is 3 plus 3?");
        Instant now = Instant.now();
        new dev.ebb.core.job.DynamoDbDeadLetterStore(HandlerFixture.dynamoDb(), HandlerFixture.JOBS_TABLE)
                .reopen(jobId, now, now.plus(Duration.ofDays(14)));
        fixture.jobs.cancel("sample", jobId, now, now.plus(Duration.ofDays(1)));

        Map<String, Object> report = fixture.redriveHandler().handleRequest(Map.of("lane", "gpu", "max", 10), null);

        assertThat(report).containsEntry("redriven", 0).containsEntry("skipped", 1);
        assertThat(fixture.queue.sent()).isEmpty();
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void redrive_withBadRequest_answersAnErrorAndChangesNothing() {
        String jobId = deadLettered("What is 4 plus 4?");
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of(), Map.of("lane", "tpu"),
                Map.of("lane", "gpu", "max", 0), Map.of("lane", "gpu", "max", "ten"),
                Map.of("lane", "gpu", "max", 1.5), Map.of("lane", "gpu", "max", 10_001))) {
            Map<String, Object> answer = fixture.redriveHandler().handleRequest(bad, null);
            assertThat(answer).as(bad.toString()).containsKey("error");
        }
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.FAILED);
        assertThat(fixture.queue.sent()).isEmpty();
    }

    /** Writes the QUEUED job the event's envelope names, as the submit path would have. */
    private String queue(SQSEvent event, Lane lane) throws Exception {
        JobEnvelope envelope = JobEnvelope.parse(event.getRecords().get(0).getBody());
        Instant now = Instant.now();
        fixture.jobs.create(Job.queued(envelope.jobId(), envelope.tenant(), envelope.task(), lane, null,
                envelope.input(), null, "h", now, now.plus(Duration.ofDays(14))));
        return envelope.jobId();
    }

    /** A gpu-lane job whose message was dead-lettered and consumed. */
    private String deadLettered(String text) {
        String jobId = dev.ebb.core.job.JobIds.random();
        Instant now = Instant.now();
        com.fasterxml.jackson.databind.node.ObjectNode input = Json.MAPPER.createObjectNode().put("text", text);
        fixture.jobs.create(Job.queued(jobId, "sample", "math", Lane.GPU, null, input, null, "h", now,
                now.plus(Duration.ofDays(14))));
        JobEnvelope envelope = new JobEnvelope(1, jobId, "sample", "math", null, input);
        SQSEvent event = new SQSEvent();
        SQSEvent.SQSMessage message = HandlerFixture.sqsMessage("dl-" + jobId, envelope.toJson());
        event.setRecords(List.of(message));
        assertThat(fixture.deadLetterHandler().handleRequest(event, null).getBatchItemFailures()).isEmpty();
        return jobId;
    }
}
