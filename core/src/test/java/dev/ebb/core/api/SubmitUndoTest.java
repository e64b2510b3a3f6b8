package dev.ebb.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.QueuedJobReconciler;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.TaskCatalogue;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The undo of a submit whose send failed must never delete a job that an idempotent replay has already answered 202
 * for: the replay runs while the first submit's send is failing (deterministically, from inside that send).
 */
class SubmitUndoTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-undo";

    private final DynamoDbJobStore jobs = new DynamoDbJobStore(DYNAMO_DB, TABLE);

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void undo_whenAReplayWasAnswered202Meanwhile_leavesTheJobQueued() {
        AtomicReference<JobService> service = new AtomicReference<>();
        AtomicReference<JobService.Submitted> replay = new AtomicReference<>();
        SubmitRequest request = request("same-key");
        FirstSendFails queue = new FirstSendFails(() -> replay.set(service.get().submit(request)));
        service.set(service(queue));

        assertThatThrownBy(() -> service.get().submit(request)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("queue_unavailable"));

        assertThat(replay.get().how()).isEqualTo(JobService.How.REPLAYED);
        String jobId = replay.get().job().jobId();
        assertThat(jobs.find(jobId)).as("the job the replay was given a 202 for").hasValueSatisfying(
                job -> assertThat(job.status()).isEqualTo(JobStatus.QUEUED));
        // A fresh job's replay does not send its message again; its message was lost with the failed send, and
        // the reconciler's next pass past the resend period sends it.
        assertThat(queue.sent).isEmpty();
        new QueuedJobReconciler(jobs, queue, Duration.ZERO, QueuedJobReconciler.DEFAULT_LIMIT,
                Clock.offset(Clock.systemUTC(), Duration.ofSeconds(1))).reconcile();
        assertThat(queue.sent).extracting(JobEnvelope::jobId).containsExactly(jobId);
    }

    @Test
    void undo_withoutAReplay_removesTheJob_andARetryCreatesItAgain() {
        SubmitRequest request = request("same-key");
        FirstSendFails queue = new FirstSendFails(() -> { });
        JobService service = service(queue);

        assertThatThrownBy(() -> service.submit(request)).isInstanceOf(ApiException.class);

        JobService.Submitted retry = service.submit(request);
        assertThat(retry.how()).isEqualTo(JobService.How.ACCEPTED);
        assertThat(queue.sent).extracting(JobEnvelope::jobId).containsExactly(retry.job().jobId());
    }

    @Test
    void markReplayed_keepsTheJobFromTheUndo_andFailsOnceTheJobIsGone() {
        JobService service = service(new FirstSendFails(null));
        String replayed = service.submit(request("one")).job().jobId();
        String undone = service.submit(request("two")).job().jobId();

        assertThat(jobs.markReplayed(replayed)).isTrue();
        assertThat(jobs.deleteQueued(replayed)).isFalse();
        assertThat(jobs.find(replayed)).isPresent();

        assertThat(jobs.deleteQueued(undone)).isTrue();
        assertThat(jobs.markReplayed(undone)).isFalse();
        assertThat(jobs.find(undone)).isEmpty();
    }

    private static SubmitRequest request(String idempotencyKey) {
        return SubmitRequest.of("acme", "math", Json.MAPPER.createObjectNode().put("text", "What is 1 plus 1?"),
                null, idempotencyKey);
    }

    private JobService service(JobQueue queue) {
        return JobService.builder().store(jobs).queue(queue).tasks(TaskCatalogue.contracts(Map.of()))
                .limits(Limits.DEFAULTS).build();
    }

    /** Its first send runs {@code during} and then fails as an unreachable SQS would; with null, every send works. */
    private static final class FirstSendFails implements JobQueue {
        final List<JobEnvelope> sent = new CopyOnWriteArrayList<>();
        private final Runnable during;
        private boolean first = true;

        FirstSendFails(Runnable during) {
            this.during = during;
        }

        @Override
        public void send(Lane lane, JobEnvelope envelope) {
            if (first && during != null) {
                first = false;
                during.run();
                throw SdkClientException.create("queue unreachable (test)");
            }
            sent.add(envelope);
        }

        @Override
        public List<String> sendAll(Lane lane, List<JobEnvelope> envelopes) {
            throw new UnsupportedOperationException("not used here");
        }

        @Override
        public List<QueueMessage> receive(Lane lane, int max, Duration wait, Duration visibility) {
            throw new UnsupportedOperationException("not used here");
        }

        @Override
        public void delete(Lane lane, List<QueueMessage> messages) {
            throw new UnsupportedOperationException("not used here");
        }

        @Override
        public void changeVisibility(Lane lane, List<QueueMessage> messages, Duration timeout) {
            throw new UnsupportedOperationException("not used here");
        }
    }
}
