package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.TaskCatalogue;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Anyone able to send to a lane queue must not be able to make a worker run another tenant's QUEUED job with their
 * own input: the claim holds only where the message is the stored job's own; a forged one leaves the job untouched
 * and its message is deleted (so it cannot reach the DLQ and fail the job either).
 */
class JobRunnerForgedEnvelopeTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-forged";

    private final DynamoDbJobStore store = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    private final JobRunner runner = JobRunner.builder().store(store).tasks(TaskCatalogue.contracts(Map.of()))
            .owner("worker-1").lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1))
            .clock(Clock.systemUTC()).build();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void run_whenTheEnvelopeIsNotTheStoredJobs_leavesTheJobUntouchedAndDeletesTheMessage() {
        Job victim = queued("victim", "What is 1 plus 1?");
        JobEnvelope own = JobEnvelope.of(victim);
        List<JobEnvelope> forged = List.of(
                new JobEnvelope(1, victim.jobId(), "victim", "math", null, math("What is 6 times 7?")),
                new JobEnvelope(1, victim.jobId(), "attacker", "math", null, own.input()),
                new JobEnvelope(1, victim.jobId(), "victim", "math", "other-model", own.input()),
                new JobEnvelope(1, victim.jobId(), "victim", "math", null, null,
                        "inputs/victim/" + victim.jobId() + "/0123456789abcdef0123456789abcdef.json"));

        for (JobEnvelope envelope : forged) {
            assertThat(runner.run(List.of(message(envelope, "forged")))).as(envelope.toJson())
                    .containsExactly(JobRunner.Disposition.DELETE);
            Job after = store.find(victim.jobId()).orElseThrow();
            assertThat(after.status()).isEqualTo(JobStatus.QUEUED);
            assertThat(after.attempts()).isZero();
            assertThat(after.result()).isNull();
        }

        assertThat(runner.run(List.of(message(own, "own")))).containsExactly(JobRunner.Disposition.DELETE);
        Job done = store.find(victim.jobId()).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.result().path("value").asInt()).isEqualTo(2);
    }

    @Test
    void run_aForgedMessageInABatch_doesNotStopTheOthersFromRunning() {
        Job victim = queued("victim", "What is 1 plus 1?");
        Job other = queued("acme", "What is 2 plus 3?");
        JobEnvelope forged = new JobEnvelope(1, victim.jobId(), "victim", "math", null, math("What is 9 plus 9?"));

        assertThat(runner.run(List.of(message(forged, "forged"), message(JobEnvelope.of(other), "other"))))
                .containsExactly(JobRunner.Disposition.DELETE, JobRunner.Disposition.DELETE);

        assertThat(store.find(victim.jobId()).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(store.find(other.jobId()).orElseThrow().result().path("value").asInt()).isEqualTo(5);
    }

    @Test
    void run_aJobStoredBeforeFingerprints_isStillClaimed() {
        Job old = queued("acme", "What is 4 plus 4?");
        DYNAMO_DB.updateItem(r -> r.tableName(TABLE).key(Map.of("jobId", AttributeValue.fromS(old.jobId())))
                .updateExpression("REMOVE envelopeHash"));

        assertThat(runner.run(List.of(message(JobEnvelope.of(old), "old"))))
                .containsExactly(JobRunner.Disposition.DELETE);
        assertThat(store.find(old.jobId()).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void fingerprint_survivesTheMessageRoundTrip_andNamesEveryPart() throws Exception {
        JobEnvelope own = JobEnvelope.of(queued("acme", "What is 1.50 plus 2?"));
        assertThat(JobEnvelope.parse(own.toJson()).fingerprint()).isEqualTo(own.fingerprint());
        assertThat(new JobEnvelope(1, own.jobId(), "acme", "math", "m", own.input()).fingerprint())
                .isNotEqualTo(own.fingerprint());
        assertThat(new JobEnvelope(1, own.jobId(), "acme", "embed", null, own.input()).fingerprint())
                .isNotEqualTo(own.fingerprint());
    }

    private Job queued(String tenant, String text) {
        Instant now = Instant.now();
        Job job = Job.queued(JobIds.random(), tenant, "math", Lane.CPU, null, math(text), null, "h", now,
                now.plus(Duration.ofHours(1)));
        store.create(job);
        return job;
    }

    private static JsonNode math(String text) {
        return Json.MAPPER.createObjectNode().put("text", text);
    }

    private static QueueMessage message(JobEnvelope envelope, String messageId) {
        return new QueueMessage(messageId, "handle-" + messageId, envelope.toJson(), 1);
    }
}
