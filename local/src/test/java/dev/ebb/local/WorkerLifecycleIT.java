package dev.ebb.local;

import dev.ebb.local.runtime.LocalClients;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.runtime.WorkerProcess;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ebb.core.config.Settings;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.local.cloud.LocalCloud;
import dev.ebb.local.cloud.ProvisionedResources;
import dev.ebb.worker.TaskProtection;
import dev.ebb.worker.Worker;
import dev.ebb.worker.WorkerMain;
import dev.ebb.worker.WorkerSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's lifecycle at its two hard edges, against the real SQS (ElasticMQ) and DynamoDB Local servers: a
 * start-up whose queue, table or task agent is not there fails at once, naming the variable to fix; and
 * {@link Worker#stopNow} interrupts the runners rather than leaving them to run on.
 */
class WorkerLifecycleIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static LocalCloud cloud;
    private static ProvisionedResources resources;

    @BeforeAll
    static void cloud() {
        LocalClients.useLocalCredentials();
        cloud = EmbeddedCloud.get();
        resources = EmbeddedCloud.resources();
    }

    @Test
    void startUp_whenTheQueueDoesNotExist_failsAtOnceNamingItsVariable() throws Exception {
        Map<String, String> env = workerEnv();
        String missing = resources.queueUrl(Lane.GPU.id()) + "-missing";
        env.put(Settings.GPU_QUEUE_URL, missing);

        List<String> output = startAndAwaitExit("no-queue", env);

        // The log line is JSON, whose writer escapes the URL's slashes: its queue name is matched instead.
        assertThat(output).as("the worker's output").anySatisfy(line -> assertThat(line)
                .contains(Settings.GPU_QUEUE_URL + "=").contains(missing.substring(missing.lastIndexOf('/') + 1))
                .contains("does not exist"));
        assertThat(output).as("it never polled").noneMatch(line -> line.contains("worker started"));
    }

    @Test
    void startUp_whenTheJobsTableDoesNotExist_failsAtOnceNamingItsVariable() throws Exception {
        Map<String, String> env = workerEnv();
        env.put(Settings.JOBS_TABLE, "ebb-jobs-missing");

        List<String> output = startAndAwaitExit("no-table", env);

        assertThat(output).as("the worker's output").anySatisfy(line -> assertThat(line)
                .contains(Settings.JOBS_TABLE + "=ebb-jobs-missing").contains("does not exist"));
        assertThat(output).as("it never polled").noneMatch(line -> line.contains("worker started"));
    }

    @Test
    void startUp_whenTheTaskAgentIsNotThere_failsAtOnceNamingItsVariable() throws Exception {
        Map<String, String> env = workerEnv();
        env.put(TaskProtection.AGENT_URI, "http://127.0.0.1:1/no-agent"); // port 1: nothing listens

        List<String> output = startAndAwaitExit("no-agent", env);

        assertThat(output).as("the worker's output").anySatisfy(line -> assertThat(line)
                .contains(TaskProtection.AGENT_URI).contains("was not reached"));
        assertThat(output).as("it never polled").noneMatch(line -> line.contains("worker started"));
    }

    @Test
    void stopNow_whileARunnerRunsABatch_interruptsTheRunnerAndLeavesTheJobToComeBack() throws Exception {
        BlockingTask task = new BlockingTask();
        Map<String, String> env = new HashMap<>(LocalRuntime.environment(cloud, resources));
        env.put(WorkerSettings.POLL_WAIT_SECONDS, "1");
        env.put(WorkerSettings.RUNNERS, "1");
        env.put(WorkerSettings.MAX_BATCH_SIZE, "1");
        Worker worker = WorkerMain.create(env, Settings.fromEnv(env), WorkerSettings.fromEnv(env),
                TaskRegistry.of(task));
        String jobId = enqueue();
        worker.start();
        assertThat(task.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the batch is running").isTrue();

        worker.stopNow(Duration.ofSeconds(2));

        assertThat(task.interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the runner was interrupted")
                .isTrue();
        assertThat(worker.state()).isEqualTo(Worker.State.STOPPED);
        Job job = store().find(jobId).orElseThrow();
        assertThat(job.status()).as("not completed: its lease lapses and its message comes back")
                .isEqualTo(JobStatus.RUNNING);
        assertThat(job.attempts()).isEqualTo(1);
    }

    // ---- helpers ----

    /** A worker process's environment on the embedded cloud, with a short long poll. */
    private static Map<String, String> workerEnv() {
        Map<String, String> env = new HashMap<>(LocalRuntime.environment(cloud, resources));
        env.put(WorkerSettings.POLL_WAIT_SECONDS, "1");
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        return env;
    }

    /** Starts a worker process and waits for it to end; it must end with 1 on its own. Returns its output. */
    private static List<String> startAndAwaitExit(String name, Map<String, String> env) throws Exception {
        List<String> output = new CopyOnWriteArrayList<>();
        try (WorkerProcess worker = WorkerProcess.start(name, env, List.of(), output::add)) {
            assertThat(worker.awaitExit(WAIT)).as("exit code of a failed start-up").hasValue(1);
        }
        return output;
    }

    private static DynamoDbJobStore store() {
        return new DynamoDbJobStore(cloud.dynamoDbClient(), "ebb-jobs");
    }

    private static String enqueue() {
        Instant now = Instant.now();
        JsonNode input = JsonNodeFactory.instance.objectNode().put("text", "hold me");
        Job job = Job.queued(JobIds.random(), "lifecycle-it", BlockingTask.NAME, Lane.GPU, null, input, null, "test",
                now, now.plus(Duration.ofDays(1)));
        store().create(job);
        new SqsJobQueue(cloud.sqsClient(), Map.of(Lane.GPU, resources.queueUrl(Lane.GPU.id())))
                .send(Lane.GPU, JobEnvelope.of(job));
        return job.jobId();
    }

    /** A gpu-lane task that holds its batch until its thread is interrupted, and says when it was. */
    private static final class BlockingTask implements Task {
        static final String NAME = "blocking";
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Lane lane() {
            return Lane.GPU;
        }

        @Override
        public JsonNode validate(JsonNode input) {
            return input;
        }

        @Override
        public List<Outcome> runBatch(List<JobContext> jobs) {
            entered.countDown();
            try {
                new CountDownLatch(1).await(); // only an interrupt ends this
                throw new IllegalStateException("unreachable");
            } catch (InterruptedException e) {
                interrupted.countDown();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
