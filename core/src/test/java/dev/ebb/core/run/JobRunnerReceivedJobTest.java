package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.queue.ReceivedJob;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TestTask;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A message's envelope is read once, where it is received, and the runner works from that reading: the message's
 * body is not read again for the claim or the heartbeat.
 */
class JobRunnerReceivedJobTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-received";

    private static final Duration LEASE = Duration.ofMinutes(1);

    private final DynamoDbJobStore store = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    /** The runner's clock, which the heartbeat test moves on. */
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private final JobRunner runner = JobRunner.builder().store(store)
            .tasks(TaskRegistry.of(TestTask.each("echo", Outcome::success)))
            .owner("worker-1").lease(LEASE).resultTtl(Duration.ofHours(1)).clock(new Clock() {
                @Override
                public ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now.get();
                }
            }).build();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void of_whenTheBodyIsAnEnvelope_carriesIt() {
        JobEnvelope envelope = envelope(JobIds.random());

        ReceivedJob job = ReceivedJob.of(new QueueMessage("m-1", "h-1", envelope.toJson(), 1));

        assertThat(job.readable()).isTrue();
        assertThat(job.envelope()).isEqualTo(envelope);
        assertThat(job.unreadable()).isNull();
    }

    @Test
    void of_whenTheBodyIsNotAnEnvelope_saysWhy() {
        ReceivedJob job = ReceivedJob.of(new QueueMessage("m-1", "h-1", "{\"v\":2}", 1));

        assertThat(job.readable()).isFalse();
        assertThat(job.envelope()).isNull();
        assertThat(job.unreadable()).contains("unsupported envelope version 2");
    }

    @Test
    void prepare_runsTheEnvelopeReadAtReceiveAndLeavesAnUnreadableMessage() {
        String jobId = createJob();
        // The body is no envelope at all: only the envelope read at receive can make this job run.
        ReceivedJob received = new ReceivedJob(new QueueMessage("m-1", "h-1", "read once, at receive", 1),
                envelope(jobId), null);
        ReceivedJob garbage = ReceivedJob.of(new QueueMessage("m-2", "h-2", "not an envelope {", 1));

        JobRunner.Batch batch = runner.prepare(List.of(received, garbage));
        runner.execute(batch);

        assertThat(runner.finish(batch)).containsExactly(JobRunner.Disposition.DELETE, JobRunner.Disposition.RETRY);
        Job job = store.find(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.result().path("text").asText()).isEqualTo("echo me");
    }

    @Test
    void extendLeasesOf_movesTheLeaseOfAHeldJobByTheEnvelopeReadAtReceive() {
        String jobId = createJob();
        ReceivedJob received = new ReceivedJob(new QueueMessage("m-1", "h-1", "read once, at receive", 1),
                envelope(jobId), null);
        JobRunner.Batch batch = runner.prepare(List.of(received));
        Instant later = now.updateAndGet(t -> t.plus(Duration.ofMinutes(10)));

        runner.extendLeasesOf(List.of(received, ReceivedJob.of(new QueueMessage("m-2", "h-2", "garbage", 1))));

        assertThat(store.find(jobId).orElseThrow().leaseUntil()).as("a lease period after the beat")
                .isEqualTo(later.plus(LEASE).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        runner.release(batch);
    }

    private String createJob() {
        String jobId = JobIds.random();
        Instant created = now.get();
        store.create(Job.queued(jobId, "t", "echo", Lane.CPU, null,
                Json.MAPPER.createObjectNode().put("text", "echo me"), null, "h", created,
                created.plus(Duration.ofHours(1))));
        return jobId;
    }

    private static JobEnvelope envelope(String jobId) {
        return new JobEnvelope(JobEnvelope.CURRENT_VERSION, jobId, "t", "echo", null,
                Json.MAPPER.createObjectNode().put("text", "echo me"));
    }
}
