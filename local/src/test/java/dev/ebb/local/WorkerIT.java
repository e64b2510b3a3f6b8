package dev.ebb.local;

import dev.ebb.local.runtime.LocalClients;
import dev.ebb.local.runtime.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ebb.core.config.Settings;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobStore.ClaimResult;
import dev.ebb.core.job.JobStore.CompleteResult;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.math.MathTask;
import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.local.cloud.LocalCloud;
import dev.ebb.local.cloud.ProvisionedResources;
import dev.ebb.worker.Worker;
import dev.ebb.worker.WorkerMain;
import dev.ebb.worker.WorkerSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The gpu-lane worker against the real SQS (ElasticMQ) and DynamoDB-compatible (Dynoxide) servers, with no other consumer on the
 * gpu queue. The only built-in task runs on the cpu lane, so the tests register {@link GpuMath}: math on the gpu
 * lane that records the size of every batch it is given.
 */
class WorkerIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TENANT = "worker-it";

    private static LocalCloud cloud;
    private static ProvisionedResources resources;
    private static DynamoDbJobStore store;
    private static SqsJobQueue queue;
    private static String gpuQueueUrl;

    private Worker worker;

    @BeforeAll
    static void cloud() {
        LocalClients.useLocalCredentials();
        cloud = EmbeddedCloud.get();
        resources = EmbeddedCloud.resources();
        store = new DynamoDbJobStore(cloud.dynamoDbClient(), "ebb-jobs");
        gpuQueueUrl = resources.queueUrl(Lane.GPU.id());
        queue = new SqsJobQueue(cloud.sqsClient(),
                Map.of(Lane.GPU, gpuQueueUrl, Lane.CPU, resources.queueUrl(Lane.CPU.id())));
    }

    @BeforeEach
    void emptyGpuQueue() {
        purgeGpuQueue();
    }

    @AfterEach
    void stopWorkerAndEmptyGpuQueue() throws InterruptedException {
        if (worker != null) {
            worker.shutdown();
            assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
        }
        purgeGpuQueue();
    }

    @Test
    void worker_whenABatchRunsLongerThanVisibilityAndLease_heartbeatKeepsBothSoEachJobRunsOnce() {
        // 2 s visibility and lease, one job held 6 s by one runner, and a second runner free to take the message
        // when it comes back: without the heartbeat it reappears after 2 s and the lapsed job is claimed and run
        // again (one job only, so that it cannot share the busy runners' time with others).
        GpuMath task = new GpuMath(null, 6_000);
        String id = enqueue("What is 21 times 2?").jobId();
        worker = startWorker(task, 8, 0, 2,
                Map.of(WorkerSettings.VISIBILITY_SECONDS, "2", Settings.LEASE_SECONDS, "2"));

        Job job = awaitTerminal(id);
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.result().path("text").asText()).isEqualTo("21 times 2 = 42");
        assertThat(job.attempts()).as("claims").isEqualTo(1);
        assertThat(task.batchSizes).as("executions").containsExactly(1);
        awaitGpuQueueCounts(0, 0);
    }

    @Test
    void worker_whenJobsAreQueued_runsThemInBatchesAndDeletesTheirMessages() {
        GpuMath task = new GpuMath(null);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ids.add(enqueue("What is " + i + " plus 7?").jobId());
        }
        worker = startWorker(task, 16, 50, 2);

        for (int i = 0; i < ids.size(); i++) {
            Job job = awaitTerminal(ids.get(i));
            assertThat(job.status()).as("job %d", i).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(job.result().path("text").asText()).isEqualTo(i + " plus 7 = " + (i + 7));
            assertThat(job.result().path("value").asInt()).isEqualTo(i + 7);
            assertThat(job.attempts()).isEqualTo(1);
        }
        assertThat(task.batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
        assertThat(task.batchSizes).allSatisfy(size -> assertThat(size).isBetween(1, 16));
        assertThat(task.batchSizes).as("some batch held more than one job").anySatisfy(size -> assertThat(size).isGreaterThan(1));
        awaitGpuQueueCounts(0, 0);
        assertThat(worker.jobsDone()).isEqualTo(100);
    }

    @Test
    void worker_whenTheJobHasAlreadySucceeded_deletesTheMessageAndLeavesTheResult() {
        GpuMath task = new GpuMath(null);
        Job job = enqueue("What is 2 plus 2?");
        Instant now = Instant.now();
        assertThat(store.claim(job.jobId(), "someone-else", now.plusSeconds(60), now))
                .isInstanceOf(ClaimResult.Claimed.class);
        JsonNode preset = JsonNodeFactory.instance.objectNode().put("text", "decided elsewhere");
        assertThat(store.complete(job.jobId(), "someone-else", Outcome.success(preset), now, now.plusSeconds(3600)))
                .isInstanceOf(CompleteResult.Completed.class);

        worker = startWorker(task, 16, 10, 2);
        awaitGpuQueueCounts(0, 0);

        Job after = store.find(job.jobId()).orElseThrow();
        assertThat(after.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(after.result()).isEqualTo(preset);
        assertThat(after.attempts()).isEqualTo(1);
        assertThat(task.batchSizes).as("the task never ran").isEmpty();
        assertThat(worker.jobsDone()).isEqualTo(1);
    }

    @Test
    void worker_whenAMessageIsGarbage_leavesItInTheQueueAndFinishesTheOthers() {
        GpuMath task = new GpuMath(null);
        cloud.sqsClient().sendMessage(r -> r.queueUrl(gpuQueueUrl).messageBody("this is not an envelope {"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(enqueue("What is " + i + " times 2?").jobId());
        }
        worker = startWorker(task, 16, 10, 2);

        for (int i = 0; i < ids.size(); i++) {
            Job job = awaitTerminal(ids.get(i));
            assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(job.result().path("text").asText()).isEqualTo(i + " times 2 = " + (i * 2));
        }
        // The good messages are deleted; the garbage one was received and left in flight (its visibility timeout
        // is the queue's 60 s), so it comes back and, after enough receives, moves to the DLQ.
        awaitGpuQueueCounts(0, 1);
        assertThat(worker.jobsDone()).as("messages deleted").isEqualTo(5);
    }

    @Test
    void shutdown_whileABatchRuns_finishesItAndGivesTheBufferedMessagesBackAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        GpuMath task = new GpuMath(release);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(enqueue("What is " + i + " minus 1?").jobId());
        }
        // One runner taking one job at a time: while it is held, the pollers' messages wait in the buffer.
        worker = startWorker(task, 1, 0, 1);
        assertThat(task.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the first batch started").isTrue();

        worker.shutdown();
        assertThat(worker.state()).isEqualTo(Worker.State.DRAINING);
        release.countDown();
        assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
        assertThat(worker.state()).isEqualTo(Worker.State.STOPPED);

        int succeeded = 0;
        Set<String> queued = new HashSet<>();
        for (String id : ids) {
            Job job = store.find(id).orElseThrow();
            assertThat(job.status()).as(id).isIn(JobStatus.SUCCEEDED, JobStatus.QUEUED);
            if (job.status() == JobStatus.SUCCEEDED) {
                succeeded++;
            } else {
                queued.add(id);
            }
        }
        assertThat(succeeded).as("the held batch was finished").isGreaterThanOrEqualTo(1);
        // Returned with visibility 0: receivable at once, not after the queue's 60 s visibility timeout.
        Set<String> received = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (received.size() < queued.size() && System.nanoTime() < deadline) {
            for (QueueMessage message : queue.receive(Lane.GPU, 10, Duration.ofSeconds(1))) {
                received.add(JobEnvelope.parse(message.body()).jobId());
            }
        }
        assertThat(received).isEqualTo(queued);
        assertThat(succeeded + received.size()).isEqualTo(20);
        assertThat(worker.jobsDone()).isEqualTo(succeeded);
    }

    // ---- helpers ----

    private static Worker startWorker(Task task, int maxBatchSize, int maxBatchDelayMs, int runners) {
        return startWorker(task, maxBatchSize, maxBatchDelayMs, runners, Map.of());
    }

    private static Worker startWorker(Task task, int maxBatchSize, int maxBatchDelayMs, int runners,
                                      Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(LocalRuntime.environment(cloud, resources));
        env.putAll(extraEnv);
        env.put(WorkerSettings.POLL_WAIT_SECONDS, "1");
        env.put(WorkerSettings.MAX_BATCH_SIZE, Integer.toString(maxBatchSize));
        env.put(WorkerSettings.MAX_BATCH_DELAY_MS, Integer.toString(maxBatchDelayMs));
        env.put(WorkerSettings.RUNNERS, Integer.toString(runners));
        Worker worker = WorkerMain.create(env, Settings.fromEnv(env), WorkerSettings.fromEnv(env),
                TaskRegistry.of(task));
        worker.start();
        return worker;
    }

    private static Job enqueue(String text) {
        Instant now = Instant.now();
        JsonNode input = JsonNodeFactory.instance.objectNode().put("text", text);
        Job job = Job.queued(JobIds.random(), TENANT, GpuMath.NAME, Lane.GPU, null, input, null, "test",
                now, now.plus(Duration.ofDays(1)));
        store.create(job);
        queue.send(Lane.GPU, JobEnvelope.of(job));
        return job;
    }

    private static Job awaitTerminal(String jobId) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Optional<Job> job = store.find(jobId);
            if (job.isPresent() && job.get().status().isTerminal()) {
                return job.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + jobId + " did not end in " + WAIT + ": " + job);
            }
            sleep(50);
        }
    }

    /** Waits until the gpu queue's visible and in-flight counts are these (and stay so for a moment). */
    private static void awaitGpuQueueCounts(int visible, int notVisible) {
        awaitUntil("gpu queue visible=" + visible + " notVisible=" + notVisible,
                () -> gpuQueueCounts().equals(List.of(visible, notVisible)));
        sleep(300);
        assertThat(gpuQueueCounts()).as("[visible, notVisible]").isEqualTo(List.of(visible, notVisible));
    }

    private static List<Integer> gpuQueueCounts() {
        Map<QueueAttributeName, String> attributes = cloud.sqsClient().getQueueAttributes(r -> r.queueUrl(gpuQueueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return List.of(Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)),
                Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)));
    }

    private static void purgeGpuQueue() {
        cloud.sqsClient().purgeQueue(r -> r.queueUrl(gpuQueueUrl));
        awaitUntil("gpu queue empty after purge", () -> gpuQueueCounts().equals(List.of(0, 0)));
    }

    private static void awaitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; gpu queue [visible, notVisible] = "
                        + gpuQueueCounts());
            }
            sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Math on the gpu lane; records each batch's size, and can hold its first batch until released. */
    private static final class GpuMath implements Task {
        static final String NAME = "gpu-math";
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        private final MathTask math = new MathTask();
        private final CountDownLatch release;
        private final long holdMillis;

        GpuMath(CountDownLatch release) {
            this(release, 0);
        }

        /** Holds every batch for {@code holdMillis}: a batch slower than the visibility timeout and the lease. */
        GpuMath(CountDownLatch release, long holdMillis) {
            this.release = release;
            this.holdMillis = holdMillis;
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Lane lane() {
            return Lane.GPU;
        }

        @Override
        public JsonNode validate(JsonNode input) throws InvalidInputException {
            return math.validate(input);
        }

        @Override
        public List<Outcome> runBatch(List<JobContext> jobs) {
            List<JsonNode> inputs = JobContext.inputs(jobs);
            batchSizes.add(inputs.size());
            if (holdMillis > 0) {
                sleep(holdMillis);
            }
            if (release != null && entered.getCount() > 0) {
                entered.countDown();
                try {
                    if (!release.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while held", e);
                }
            }
            return math.runBatch(jobs);
        }
    }
}
