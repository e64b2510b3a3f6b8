package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.store.SentEnvelopes;
import dev.ebb.core.task.Lane;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The reconciler against the DynamoDB-compatible test server: the sparse index, the claim and cancel leaving it. */
class QueuedJobReconcilerTest {
    private static final String TABLE = "reconciler-jobs";
    private static final Duration RESEND_AFTER = Duration.ofMinutes(3);
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    private final DynamoDbClient dynamoDb = TestDynamoDb.client();
    private final DynamoDbJobStore store = new DynamoDbJobStore(dynamoDb, TABLE);
    private final SentEnvelopes queue = new SentEnvelopes();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(dynamoDb, TABLE);
    }

    private Job queued(String jobId, Lane lane, Instant createdAt) {
        Job job = Job.queued(jobId, "tenant-a", "math", lane, null,
                Json.MAPPER.createObjectNode().put("text", "What is 1 plus 1?"), null, null, createdAt,
                T0.plus(Duration.ofDays(1)));
        store.create(job);
        return job;
    }

    private QueuedJobReconciler at(Instant now) {
        return new QueuedJobReconciler(store, queue, RESEND_AFTER, QueuedJobReconciler.DEFAULT_LIMIT,
                Clock.fixed(now, ZoneOffset.UTC));
    }

    private List<String> sentIds() {
        return queue.sent.stream().map(JobEnvelope::jobId).toList();
    }

    @Test
    void reconcile_sendsAgainOnlyJobsQueuedWithNoRunPastThePeriod() {
        Instant old = T0.minus(Duration.ofMinutes(10));
        queued("j-stranded-cpu", Lane.CPU, old);
        queued("j-stranded-gpu", Lane.GPU, old);
        queued("j-claimed", Lane.CPU, old);
        store.claim("j-claimed", "worker#1", T0.plusSeconds(60), old.plusSeconds(1));
        queued("j-cancelled", Lane.CPU, old);
        store.cancel("tenant-a", "j-cancelled", old.plusSeconds(1), T0.plus(Duration.ofDays(1)));
        queued("j-fresh", Lane.CPU, T0.minusSeconds(10));

        List<QueuedJobReconciler.Pass> passes = at(T0).reconcile();

        assertThat(sentIds()).containsExactlyInAnyOrder("j-stranded-cpu", "j-stranded-gpu");
        assertThat(queue.sent).filteredOn(e -> e.jobId().equals("j-stranded-cpu")).singleElement()
                .satisfies(e -> assertThat(e.input().path("text").asText()).isEqualTo("What is 1 plus 1?"));
        // One pass per lane: the gpu and cpu lanes each had one stranded job, the llm lane none.
        assertThat(passes).extracting(QueuedJobReconciler.Pass::resent).containsExactly(1, 1, 0);
    }

    @Test
    void reconcile_afterSendingAgain_waitsAnotherPeriodBeforeTheNextCopy() {
        queued("j-stranded", Lane.CPU, T0.minus(Duration.ofMinutes(10)));
        at(T0).reconcile(Lane.CPU);

        at(T0.plus(Duration.ofMinutes(1))).reconcile(Lane.CPU);
        assertThat(sentIds()).containsExactly("j-stranded");

        at(T0.plus(RESEND_AFTER).plusSeconds(1)).reconcile(Lane.CPU);
        assertThat(sentIds()).containsExactly("j-stranded", "j-stranded");
    }

    @Test
    void reconcile_whenTheJobWasClaimedAfterItWasSentAgain_leavesItAlone() {
        queued("j-1", Lane.CPU, T0.minus(Duration.ofMinutes(10)));
        at(T0).reconcile(Lane.CPU);
        store.claim("j-1", "worker#1", T0.plusSeconds(60), T0.plusSeconds(1));
        store.release("j-1", "worker#1");

        at(T0.plus(Duration.ofHours(1))).reconcile(Lane.CPU);

        // A job that ran once is its lease's and its message's business, not the reconciler's.
        assertThat(sentIds()).containsExactly("j-1");
    }
}
