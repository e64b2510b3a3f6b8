package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.testing.TestDynamoDb;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TestTask;
import dev.ebb.core.task.TaskRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Two runs of one runner (two runner threads of one worker) on one job whose lease lapsed: the lease belongs to a
 * claim, not to the process, so only the run holding the newest claim can complete the job.
 */
class JobRunnerLeaseTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-lease";

    private final DynamoDbJobStore store = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    private final GatedTask task = new GatedTask();
    /** Runner threads of their own: the common pool may have a single thread on a small machine. */
    private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
    private final Duration lease = Duration.ofMillis(300);
    private final JobRunner runner = JobRunner.builder().store(store).tasks(TaskRegistry.of(task.task()))
            .owner("worker-1").lease(lease).resultTtl(Duration.ofHours(1)).clock(Clock.systemUTC()).build();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void run_whenAStaleClaimFinishesWhileANewerClaimRuns_theStaleCompletionIsRefused() throws Exception {
        String jobId = JobIds.random();
        Instant now = Instant.now();
        store.create(Job.queued(jobId, "t", "gated", Lane.CPU, null, Json.MAPPER.createObjectNode(), null, "h", now,
                now.plus(Duration.ofHours(1))));
        QueueMessage message = message(jobId, "m-1");
        QueueMessage redelivered = message(jobId, "m-2");

        CompletableFuture<List<JobRunner.Disposition>> first = CompletableFuture.supplyAsync(() -> runner.run(List.of(message)), threads);
        int firstCall = task.entered.poll(10, TimeUnit.SECONDS);
        Thread.sleep(lease.toMillis() * 2); // the first claim's lease lapses while its batch still runs
        CompletableFuture<List<JobRunner.Disposition>> second = CompletableFuture.supplyAsync(() -> runner.run(List.of(redelivered)), threads);
        int secondCall = task.entered.poll(10, TimeUnit.SECONDS);
        assertThat(secondCall).as("the redelivered copy was claimed again").isEqualTo(firstCall + 1);

        task.release(firstCall);
        assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(JobRunner.Disposition.RETRY);
        Job afterStale = store.find(jobId).orElseThrow();
        assertThat(afterStale.status()).as("the stale claim did not end the job").isEqualTo(JobStatus.RUNNING);
        assertThat(afterStale.lastError().code()).as("the stale run said why it left the job")
                .isEqualTo("lease_lost");
        assertThat(afterStale.lastError().by()).isNotEqualTo(afterStale.leaseOwner());

        task.release(secondCall);
        assertThat(second.get(10, TimeUnit.SECONDS)).containsExactly(JobRunner.Disposition.DELETE);
        Job done = store.find(jobId).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.result().path("call").asInt()).as("the result is the newer claim's").isEqualTo(secondCall);
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(dev.ebb.core.api.JobViews.view(done, Instant.now()).has("lastError"))
                .as("an ended job answers with its result, not its history").isFalse();
        assertThat(dev.ebb.core.api.JobViews.view(afterStale, Instant.now()).path("lastError").path("code").asText())
                .isEqualTo("lease_lost");
    }

    @Test
    void extendLeases_whileARunHoldsTheJob_keepsItsClaimAlive() throws Exception {
        String jobId = JobIds.random();
        Instant now = Instant.now();
        store.create(Job.queued(jobId, "t", "gated", Lane.CPU, null, Json.MAPPER.createObjectNode(), null, "h", now,
                now.plus(Duration.ofHours(1))));
        QueueMessage message = message(jobId, "m-1");
        CompletableFuture<List<JobRunner.Disposition>> run = CompletableFuture.supplyAsync(() -> runner.run(List.of(message)), threads);
        int call = task.entered.poll(10, TimeUnit.SECONDS);
        for (int beat = 0; beat < 4; beat++) { // a heartbeat every third of the lease, well past the first lease
            Thread.sleep(lease.toMillis() / 3);
            runner.extendLeases(List.of(message));
        }
        assertThat(store.claim(jobId, "intruder", Instant.now().plus(lease), Instant.now()))
                .as("a heartbeat-extended lease keeps others out").isInstanceOf(dev.ebb.core.job.JobStore.ClaimResult.Leased.class);
        task.release(call);
        assertThat(run.get(10, TimeUnit.SECONDS)).containsExactly(JobRunner.Disposition.DELETE);
        assertThat(store.find(jobId).orElseThrow().attempts()).isEqualTo(1);
    }

    private static QueueMessage message(String jobId, String messageId) {
        JobEnvelope envelope = new JobEnvelope(JobEnvelope.CURRENT_VERSION, jobId, "t", "gated", null,
                Json.MAPPER.createObjectNode());
        return new QueueMessage(messageId, "handle-" + messageId, envelope.toJson(), 1);
    }

    /** A task whose every call waits until the test releases it; the result names the call. */
    private static final class GatedTask {
        final LinkedBlockingQueue<Integer> entered = new LinkedBlockingQueue<>();
        private final AtomicInteger calls = new AtomicInteger();
        private final java.util.Map<Integer, CountDownLatch> gates = new java.util.concurrent.ConcurrentHashMap<>();

        void release(int call) {
            gates.computeIfAbsent(call, c -> new CountDownLatch(1)).countDown();
        }

        Task task() {
            return new TestTask("gated", this::run);
        }

        private List<Outcome> run(List<JsonNode> inputs) {
            int call = calls.incrementAndGet();
            entered.add(call);
            try {
                if (!gates.computeIfAbsent(call, c -> new CountDownLatch(1)).await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return inputs.stream().map(i -> Outcome.success(Json.MAPPER.createObjectNode().put("call", call))).toList();
        }
    }
}
