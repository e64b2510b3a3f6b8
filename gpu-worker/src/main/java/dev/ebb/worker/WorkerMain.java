package dev.ebb.worker;

import dev.ebb.core.config.Settings;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.math.MathTask;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The worker process (an ECS task): settings from the environment, run until SIGTERM, then drain. A drain that
 * finishes within {@code EBB_DRAIN_SECONDS} exits 0 (a clean stop to ECS and the local scaler); one that does not
 * ends hard with 1, and what it still held comes back to the queue when its visibility timeout runs out.
 */
public final class WorkerMain {
    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);
    public static final String DYNAMODB_ENDPOINT = "EBB_DYNAMODB_ENDPOINT";
    public static final String SQS_ENDPOINT = "EBB_SQS_ENDPOINT";

    private WorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        long jvmMillis = ManagementFactory.getRuntimeMXBean().getUptime();
        Map<String, String> env = System.getenv();
        Settings settings = Settings.fromEnv(env);
        WorkerSettings workerSettings = WorkerSettings.fromEnv(env);
        TaskProtection protection = TaskProtection.fromEnv(env);
        long loadStart = System.nanoTime();
        TaskRegistry tasks = tasks();
        long loadMillis = (System.nanoTime() - loadStart) / 1_000_000;
        log.info("worker timings jvmMs={} loadMs={}", jvmMillis, loadMillis);
        Worker worker = create(env, settings, workerSettings, tasks);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            worker.shutdown();
            boolean drained = false;
            try {
                drained = worker.awaitTermination(workerSettings.drainDeadline());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (protection != null) {
                protection.close();
            }
            if (!drained) {
                log.warn("drain did not finish in {} s; stopping hard", workerSettings.drainDeadline().toSeconds());
            }
            // A JVM stopped by a signal exits 128+signal whatever its hooks did; say how the drain went instead.
            Runtime.getRuntime().halt(drained ? 0 : 1);
        }));
        if (protection != null) {
            protection.watch(worker::held);
        }
        worker.start();
        Thread.currentThread().join(); // the shutdown hook ends the process
    }

    public static TaskRegistry tasks() {
        return TaskRegistry.of(new MathTask());
    }

    /** Builds a worker on clients made from {@code env} (endpoint overrides for the local cloud). */
    public static Worker create(Map<String, String> env, Settings settings, WorkerSettings workerSettings,
                                TaskRegistry tasks) {
        ClientOverrideConfiguration timeouts = ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(Duration.ofSeconds(30)) // above the 20 s long poll
                .apiCallTimeout(Duration.ofSeconds(60))
                .build();
        Region region = Region.of(env.getOrDefault("AWS_REGION", "us-east-1"));
        int connections = 2 * (workerSettings.pollers() + workerSettings.runners()) + 8;
        var dynamoDb = DynamoDbClient.builder().region(region).overrideConfiguration(timeouts)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(connections));
        var sqs = SqsClient.builder().region(region).overrideConfiguration(timeouts)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(connections));
        if (env.containsKey(DYNAMODB_ENDPOINT)) {
            dynamoDb.endpointOverride(URI.create(env.get(DYNAMODB_ENDPOINT)));
        }
        if (env.containsKey(SQS_ENDPOINT)) {
            sqs.endpointOverride(URI.create(env.get(SQS_ENDPOINT)));
        }
        String owner = "worker-" + ManagementFactory.getRuntimeMXBean().getPid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        JobRunner runner = new JobRunner(new DynamoDbJobStore(dynamoDb.build(), settings.jobsTable()), tasks, owner,
                settings.lease(), settings.limits().resultTtl(), Clock.systemUTC());
        log.info("worker {} on the {} lane", owner, workerSettings.lane().id());
        return new Worker(new SqsJobQueue(sqs.build(), settings.queueUrls()), runner, workerSettings);
    }
}
