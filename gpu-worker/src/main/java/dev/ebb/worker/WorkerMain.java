package dev.ebb.worker;

import dev.ebb.core.admission.AdmissionControl;
import dev.ebb.core.config.AdmissionSettings;
import dev.ebb.core.metrics.EmfMetrics;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.config.AwsClientFactory;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Settings;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.job.DynamoDbDeadLetterStore;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.queue.ReceivedJob;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.cache.SemanticAnswers;
import dev.ebb.worker.embed.EmbeddingTaskRunners;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.task.Lane;
import dev.ebb.core.store.ObjectStore;
import dev.ebb.core.store.S3ObjectStore;
import dev.ebb.core.task.TaskCatalogue;
import dev.ebb.core.task.TaskRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The worker process (an ECS task): settings from the environment, run until SIGTERM, then drain. A drain that
 * finishes within {@code EBB_DRAIN_SECONDS} exits 0 (a clean stop to ECS and the local scaler); one that does not
 * ends hard with 1, and what it still held comes back to the queue when its visibility timeout runs out. A second
 * SIGTERM (or SIGINT) during the drain ends it hard at once, also with 1: buffered messages are given back, the
 * jobs in hand come back when their leases and visibility lapse.
 */
public final class WorkerMain {
    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);
    public static final String DYNAMODB_ENDPOINT = Deployment.DYNAMODB_ENDPOINT.name();
    public static final String SQS_ENDPOINT = Deployment.SQS_ENDPOINT.name();
    /** The object-store bucket that holds inputs too large for a message; unset, such jobs fail with that reason. */
    public static final String BUCKET = Deployment.BUCKET.name();
    /** The object store's endpoint for the local cloud; set, the client addresses buckets path-style. */
    public static final String S3_ENDPOINT = Deployment.S3_ENDPOINT.name();
    /** Models of this process by their settings: in-process workers (the local runtime) share one copy. */

    private WorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        long jvmMillis = ManagementFactory.getRuntimeMXBean().getUptime();
        long mainStart = System.nanoTime();
        Map<String, String> env = System.getenv();
        Settings settings = Settings.fromEnv(env);
        WorkerSettings workerSettings = WorkerSettings.fromEnv(env);
        FaultInjection faults = FaultInjection.fromEnv(env);
        if (faults.active()) {
            log.warn("FAULT INJECTION IS ARMED ({} / {}): this process will crash on purpose",
                    FaultInjection.CRASH_POINTS, FaultInjection.POISON_TEXT);
        }
        TaskProtection protection = TaskProtection.fromEnv(env);
        // The model loads (and warms up) on its own thread while the clients are built and primed on this one:
        // a cold start pays for the longer of the two, not their sum.
        CompletableFuture<TaskRegistry> loading = new CompletableFuture<>();
        AtomicLong loadMillis = new AtomicLong();
        Thread.ofPlatform().name("model-load").start(() -> {
            long start = System.nanoTime();
            try {
                TaskRegistry loaded = tasks(env);
                loadMillis.set((System.nanoTime() - start) / 1_000_000); // before join() can return
                loading.complete(loaded);
            } catch (RuntimeException | Error e) {
                loading.completeExceptionally(e);
            }
        });
        long setUpStart = System.nanoTime();
        Clients clients = Clients.create(env, workerSettings);
        try {
            clients.prime(settings, workerSettings.lane());
            if (protection != null) {
                protection.prime();
            }
        } catch (SettingsException e) {
            // At once, not after the model has loaded: this worker has taken nothing, so it has nothing to give back.
            log.error("start-up failed: {}", e.getMessage());
            Runtime.getRuntime().halt(1);
        }
        long setUpMillis = (System.nanoTime() - setUpStart) / 1_000_000;
        TaskRegistry tasks;
        try {
            tasks = loading.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        log.info("worker timings jvmMs={} loadMs={} setUpMs={} readyMs={}", jvmMillis, loadMillis.get(), setUpMillis,
                (System.nanoTime() - mainStart) / 1_000_000);
        // Metrics as EMF lines on stdout (ECS ships them to CloudWatch Logs), written every 10 s and at the end.
        EmfMetrics metrics = EmfMetrics.toStdout().start(METRICS_PERIOD);
        Worker worker = create(clients, settings, workerSettings, faults.wrap(tasks), faults, metrics);
        AtomicInteger signals = new AtomicInteger();
        // Our own handler rather than a shutdown hook: the JVM ignores a second signal once its hooks run.
        sun.misc.SignalHandler stop = signal -> {
            if (signals.incrementAndGet() == 1) {
                Thread.ofPlatform().name("drain").start(() -> drain(worker, workerSettings, protection));
            } else {
                log.warn("second {}: stopping hard", signal.getName());
                worker.stopNow(Duration.ofSeconds(2));
                Runtime.getRuntime().halt(1);
            }
        };
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), stop);
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), stop);
        if (protection != null) {
            protection.watch(worker::held);
        }
        worker.start();
        Thread.currentThread().join(); // a signal ends the process
    }

    private static void drain(Worker worker, WorkerSettings workerSettings, TaskProtection protection) {
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
            worker.stopNow(Duration.ofSeconds(2));
        }
        METRICS.get().close(); // what the drain recorded, before the process ends
        Runtime.getRuntime().halt(drained ? 0 : 1);
    }

    /** The tasks of a worker of this process's environment; see {@link #tasks(Map)}. */
    public static TaskRegistry tasks() {
        return tasks(System.getenv());
    }

    /**
     * The tasks of a worker of the lane {@code env} names: every task in the catalogue, with the runners this
     * process's modules contribute for that lane (a gpu-lane worker loads its model here; see
     * {@link dev.ebb.worker.embed.EmbeddingTaskRunners}).
     */
    public static TaskRegistry tasks(Map<String, String> env) {
        return TaskCatalogue.forWorker(env, WorkerSettings.fromEnv(env).lane());
    }

    /** A message's share of a dynamic batch: its task's units (texts), 1 if it cannot be read. */
    static ToIntFunction<QueueMessage> units(TaskRegistry tasks) {
        ToIntFunction<ReceivedJob> units = jobUnits(tasks);
        return message -> units.applyAsInt(ReceivedJob.of(message));
    }

    /** A received job's share of a dynamic batch, from the envelope read at receive: 1 without one. */
    static ToIntFunction<ReceivedJob> jobUnits(TaskRegistry tasks) {
        return job -> {
            if (!job.readable()) {
                return 1;
            }
            JobEnvelope envelope = job.envelope();
            return tasks.find(envelope.task()).map(task -> task.units(envelope.input())).orElse(1);
        };
    }

    /** Builds a worker on clients made from {@code env} (endpoint overrides for the local cloud). */
    public static Worker create(Map<String, String> env, Settings settings, WorkerSettings workerSettings,
                                TaskRegistry tasks) {
        return create(Clients.create(env, workerSettings), settings, workerSettings, tasks, FaultInjection.NONE,
                MetricsSink.NONE);
    }

    /** {@link #create(Map, Settings, WorkerSettings, TaskRegistry)} recording its metrics in {@code metrics}. */
    public static Worker create(Map<String, String> env, Settings settings, WorkerSettings workerSettings,
                                TaskRegistry tasks, MetricsSink metrics) {
        return create(Clients.create(env, workerSettings), settings, workerSettings, tasks, FaultInjection.NONE,
                metrics);
    }

    /** How often a worker process writes its metrics. */
    static final Duration METRICS_PERIOD = Duration.ofSeconds(10);
    /** The process's EMF writer, for the drain to flush; a writer that writes nothing until main sets it. */
    private static final java.util.concurrent.atomic.AtomicReference<EmfMetrics> METRICS =
            new java.util.concurrent.atomic.AtomicReference<>(new EmfMetrics(line -> { }, Clock.systemUTC()));

    private static Worker create(Clients clients, Settings settings, WorkerSettings workerSettings,
                                 TaskRegistry tasks, FaultInjection faults, MetricsSink metrics) {
        if (metrics instanceof EmfMetrics emf) {
            METRICS.set(emf);
        }
        String owner = "worker-" + ManagementFactory.getRuntimeMXBean().getPid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        // Admission's worker side: the second look at each claimed job, and what hangs on its end (the budget's
        // settlement, the result cache, the lane's drain counter).
        AdmissionControl admission = new AdmissionControl(clients.admission(), clients.dynamoDb(), Clock.systemUTC());
        JobRunner.Builder builder = JobRunner.builder()
                .store(new DynamoDbJobStore(clients.dynamoDb(), settings.jobsTable()))
                .tasks(tasks).owner(owner).lease(settings.lease()).resultTtl(settings.limits().resultTtl())
                .clock(Clock.systemUTC()).objects(clients.objects()).largeResultBytes(settings.largeResultBytes())
                .deadLetters(new DynamoDbDeadLetterStore(clients.dynamoDb(), settings.jobsTable()),
                        settings.limits().jobTtl())
                .claimCheck(admission.claimCheck())
                .metrics(metrics);
        admission.listeners(tasks).forEach(builder::listener);
        if (workerSettings.lane() == Lane.GPU && clients.semantic().enabled()) {
            // classify's texts are looked up by meaning in this worker's index, embedded by the model it holds.
            builder.semantic(new SemanticAnswers(clients.semantic(), clients.embedder(), tasks,
                    SemanticAnswers.Conversation.NONE, admission.usage()));
        }
        JobRunner runner = builder.build();
        log.info("worker {} on the {} lane", owner, workerSettings.lane().id());
        return new Worker(new SqsJobQueue(clients.sqs(), settings.queueUrls()), runner, workerSettings,
                jobUnits(tasks), faults).metrics(metrics);
    }

    /**
     * The worker's AWS clients, built once per process through core's {@link AwsClientFactory}: the Apache HTTP
     * client with a pool sized to the pollers and runners, timeouts above the long poll, the shared retry strategy,
     * and endpoint overrides for the local cloud. {@code objects} is null without {@code EBB_BUCKET}.
     */
    record Clients(DynamoDbClient dynamoDb, SqsClient sqs, ObjectStore objects, AdmissionSettings admission,
                   dev.ebb.core.cache.SemanticSettings semantic, dev.ebb.core.cache.Embedder embedder) {
        static Clients create(Map<String, String> env, WorkerSettings workerSettings) {
            int connections = 2 * (workerSettings.pollers() + workerSettings.runners()) + 8;
            AwsClientFactory factory = AwsClientFactory.builder()
                    .environment(env)
                    .httpClient(() -> ApacheHttpClient.builder().maxConnections(connections))
                    .attemptTimeout(Duration.ofSeconds(30)) // above the 20 s long poll
                    .callTimeout(Duration.ofSeconds(60))
                    .build();
            ObjectStore objects = null;
            if (env.get(BUCKET) != null && !env.get(BUCKET).isBlank()) {
                objects = new S3ObjectStore(factory.s3(), env.get(BUCKET));
            }
            return new Clients(factory.dynamoDb(), factory.sqs(), objects, AdmissionSettings.fromEnv(env),
                    dev.ebb.core.cache.SemanticSettings.fromEnv(env), EmbeddingTaskRunners.embedder(env));
        }

        /**
         * Makes the first calls of each kind the worker will make (as SnapStart priming does), while the model
         * loads: the SDK's first request of an operation loads and links its marshallers, signer and connection pool,
         * which otherwise lands on the first job. Writes nothing: the claims name jobs that cannot exist (the
         * claim's condition requires the item), and the queue is only asked its attributes.
         *
         * <p>These are also the start-up checks: a queue or table that does not exist, or that the service refuses
         * to let this worker use (a 4xx other than throttling: a bad name, missing permissions), fails start-up here
         * with the variable that names it, rather than every job later. A failure that may pass (the service not
         * reached, throttled, a 5xx) is logged and left to the first real call, which retries: a worker started
         * during an outage waits it out rather than exiting into a restart loop.
         *
         * @throws SettingsException naming the lane's queue variable or {@code EBB_JOBS_TABLE}
         */
        void prime(Settings settings, Lane lane) {
            String queueUrl = settings.queueUrls().get(lane);
            if (queueUrl != null) {
                String variable = switch (lane) {
                    case GPU -> Settings.GPU_QUEUE_URL;
                    case CPU -> Settings.CPU_QUEUE_URL;
                    case LLM -> Settings.LLM_QUEUE_URL;
                };
                try {
                    sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                            .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
                } catch (QueueDoesNotExistException e) {
                    throw new SettingsException(variable + "=" + queueUrl + ": the queue does not exist");
                } catch (SdkException e) {
                    if (refused(e)) {
                        throw new SettingsException(variable + "=" + queueUrl + ": the queue refused this worker: "
                                + e.getMessage());
                    }
                    log.warn("priming the queue client failed (the first receive pays instead): {}", e.toString());
                }
            }
            try {
                DynamoDbJobStore store = new DynamoDbJobStore(dynamoDb, settings.jobsTable());
                String prime = "prime-" + UUID.randomUUID();
                java.time.Instant now = java.time.Instant.now();
                store.claimAll(List.of(prime + "-a", prime + "-b"), prime, now.plusSeconds(1), now);
                store.find(prime);
            } catch (ResourceNotFoundException e) {
                throw new SettingsException(Settings.JOBS_TABLE + "=" + settings.jobsTable()
                        + ": the table does not exist");
            } catch (SdkException e) {
                if (refused(e)) {
                    throw new SettingsException(Settings.JOBS_TABLE + "=" + settings.jobsTable()
                            + ": the table refused this worker: " + e.getMessage());
                }
                log.warn("priming the table client failed (the first claim pays instead): {}", e.toString());
            }
        }

        /** The service answered that this request can never succeed as configured (4xx, not throttling). */
        private static boolean refused(SdkException e) {
            return e instanceof AwsServiceException service && service.statusCode() / 100 == 4
                    && !service.isThrottlingException();
        }
    }
}
