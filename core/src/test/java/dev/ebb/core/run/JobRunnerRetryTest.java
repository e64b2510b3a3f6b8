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
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TestTask;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A task that says "not now" ({@code Outcome.Retry}: a model service throttling past the SDK's retries) puts its
 * job back in the queue: released QUEUED, the reason recorded, the message hidden for a delay that grows with its
 * receives; it never fails. Against the DynamoDB-compatible test server.
 */
class JobRunnerRetryTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-retry";
    private final DynamoDbJobStore store = new DynamoDbJobStore(DYNAMO_DB, TABLE);

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    private record Requeued(QueueMessage message, Duration delay) {
    }

    @Test
    void run_whenTheTaskSaysNotNow_releasesTheJobAndRequeuesItsMessageWithAGrowingDelay_thenItSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        TestTask throttledTwice = TestTask.each("chatty", input -> calls.incrementAndGet() <= 2
                ? new Outcome.Retry("bedrock_throttled", "throttled past the SDK's retries")
                : Outcome.success(input));
        List<Requeued> requeued = new ArrayList<>();
        JobRunner runner = JobRunner.builder().store(store).tasks(TaskRegistry.of(throttledTwice)).owner("w")
                .lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1)).clock(Clock.systemUTC())
                .requeue((message, delay) -> requeued.add(new Requeued(message, delay))).build();
        Job job = queued();

        assertThat(runner.run(List.of(message(job, 1)))).containsExactly(JobRunner.Disposition.RETRY);
        Job released = store.find(job.jobId()).orElseThrow();
        assertThat(released.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(released.leaseOwner()).isNull();
        assertThat(released.lastError().code()).isEqualTo("bedrock_throttled");

        assertThat(runner.run(List.of(message(job, 2)))).containsExactly(JobRunner.Disposition.RETRY);
        assertThat(runner.run(List.of(message(job, 3)))).containsExactly(JobRunner.Disposition.DELETE);

        Job done = store.find(job.jobId()).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.attempts()).isEqualTo(3);
        assertThat(requeued).hasSize(2);
        assertThat(requeued.get(0).message().receiveCount()).isEqualTo(1);
        // Receive 1: 1-2 s; receive 2: 2-4 s.
        assertThat(requeued.get(0).delay()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(requeued.get(1).delay()).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
    }

    @Test
    void delay_doublesPerReceive_upToTheLimit() {
        for (int receive = 1; receive <= 30; receive++) {
            Duration delay = Requeue.delay(receive);
            long full = Math.min(Requeue.MAX_DELAY.toSeconds(), Requeue.FIRST_DELAY.toSeconds() << Math.min(receive - 1, 16));
            assertThat(delay.toSeconds()).as("receive %d", receive).isBetween(Math.max(1, full / 2), full);
        }
    }

    @Test
    void partial_isWrittenOnARunningJobOnly_andShownUntilItEnds() {
        Job job = queued();
        assertThat(store.writePartial(job.jobId(), "so far")).as("not running yet").isFalse();
        Instant now = Instant.now();
        store.claim(job.jobId(), "w#1", now.plusSeconds(60), now);
        assertThat(store.writePartial(job.jobId(), "so far")).isTrue();
        assertThat(store.find(job.jobId()).orElseThrow().partial()).isEqualTo("so far");
        assertThat(store.release(job.jobId(), "w#1")).isTrue();
        assertThat(store.find(job.jobId()).orElseThrow().partial()).as("a released job starts over").isNull();
    }

    private Job queued() {
        Instant now = Instant.now();
        Job job = Job.queued(JobIds.random(), "t", "chatty", Lane.CPU, null, Json.MAPPER.createObjectNode()
                .put("text", "hi"), null, "h", now, now.plus(Duration.ofHours(1)));
        store.create(job);
        return job;
    }

    private static QueueMessage message(Job job, int receiveCount) {
        return new QueueMessage("m-" + job.jobId(), "r" + receiveCount, JobEnvelope.of(job).toJson(), receiveCount);
    }
}
