package dev.ebb.local.runtime;

import dev.ebb.core.auth.ApiKeyStore;
import dev.ebb.core.auth.DynamoDbApiKeyStore;
import dev.ebb.core.config.Settings;
import dev.ebb.core.task.Lane;
import dev.ebb.core.config.Deployment;
import dev.ebb.functions.CancelJobHandler;
import dev.ebb.functions.ChatWorkerHandler;
import dev.ebb.functions.SessionsHandler;
import dev.ebb.functions.CreateUploadHandler;
import dev.ebb.functions.ListJobsHandler;
import dev.ebb.functions.DependencyFactory;
import dev.ebb.functions.GetJobHandler;
import dev.ebb.functions.QueueWorkerHandler;
import dev.ebb.functions.LaneWake;
import dev.ebb.functions.SubmitJobHandler;
import dev.ebb.functions.UploadHandler;
import dev.ebb.local.cloud.LocalCloud;
import dev.ebb.local.cloud.ProvisionedResources;
import dev.ebb.local.cloud.ResourceSpec;
import dev.ebb.worker.Worker;
import dev.ebb.worker.WorkerMain;
import dev.ebb.worker.WorkerSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.ebb.core.scale.ScalingSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Ebb on one machine: the local cloud's servers, the HTTP gateway in front of the same handler classes Lambda
 * runs, the cpu lane's event source, and the gpu lane's workers. Everything the AWS deployment has, wired by the
 * same environment variables.
 */
public final class LocalRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);

    /**
     * @param gpuWorkers in-process workers on the gpu lane
     * @param workerEnv  extra worker settings (batch size, delay, pollers, runners), as environment variables
     */
    public record Options(Path dataDir, String host, int httpPort, int sqsPort, int dynamoDbPort, int gpuWorkers,
                          int cpuConcurrency, Map<String, String> workerEnv) {
        public Options {
            workerEnv = Map.copyOf(workerEnv);
        }

        /** The fixed ports of {@code ebb up}. */
        public static Options standard(Path dataDir) {
            return new Options(dataDir, "127.0.0.1", 8080, 9324, 8000, 1, 2, Map.of());
        }

        /** Free ports, for the demo and tests, so they never collide with a running {@code ebb up}. */
        public static Options ephemeral(Path dataDir) {
            return new Options(dataDir, "127.0.0.1", 0, 0, 0, 1, 2, Map.of());
        }

        public Options withCpuConcurrency(int concurrency) {
            return new Options(dataDir, host, httpPort, sqsPort, dynamoDbPort, gpuWorkers, concurrency, workerEnv);
        }

        public Options withGpuWorkers(int workers) {
            return new Options(dataDir, host, httpPort, sqsPort, dynamoDbPort, workers, cpuConcurrency, workerEnv);
        }

        public Options withWorkerEnv(Map<String, String> env) {
            return new Options(dataDir, host, httpPort, sqsPort, dynamoDbPort, gpuWorkers, cpuConcurrency, env);
        }
    }

    private final LocalCloud cloud;
    private final boolean ownsCloud;
    private final Map<String, String> env;
    private final HttpGateway gateway;
    private final SqsEventSource cpuLane;
    /** The llm lane's consumer (chat turns), capped at Deployment.LLM_CONCURRENCY as on AWS. */
    private SqsEventSource llmLane;
    private final List<Worker> gpuWorkers;
    private final ApiKeyStore keys;
    private DeadLetterSources deadLetters;
    private UploadPoller uploads;
    /** Passes the reconciler over the lanes, as the scaler function's schedule does on AWS. */
    private java.util.concurrent.ScheduledExecutorService reconciler;
    private LocalScaler scaler;
    private final ScalerWake wake;
    /** The metrics the handlers, the cpu lane and the workers record: what the dashboard shows. */
    private LiveMetrics metrics;

    private LocalRuntime(LocalCloud cloud, boolean ownsCloud, Map<String, String> env, HttpGateway gateway, SqsEventSource cpuLane,
                         List<Worker> gpuWorkers, ApiKeyStore keys, ScalerWake wake) {
        this.wake = wake;
        this.cloud = cloud;
        this.ownsCloud = ownsCloud;
        this.env = env;
        this.gateway = gateway;
        this.cpuLane = cpuLane;
        this.gpuWorkers = gpuWorkers;
        this.keys = keys;
    }

    /** Starts the local cloud's servers on {@code options.dataDir()} and everything on top of them. */
    public static LocalRuntime start(Options options) throws IOException {
        LocalClients.useLocalCredentials();
        LocalCloud cloud = new LocalCloud(LocalCloud.Config.builder()
                .dataDir(options.dataDir())
                .sqsPort(options.sqsPort())
                .dynamoDbPort(options.dynamoDbPort())
                // Fixed ports (ebb up) give the object store its standard one too; ephemeral ones (tests) any.
                .s3Port(options.sqsPort() == 0 ? 0 : LocalCloud.Config.STANDARD_S3_PORT)
                .build()).start();
        try {
            return build(cloud, true, options);
        } catch (IOException | RuntimeException e) {
            cloud.stop();
            throw e;
        }
    }

    /**
     * Like {@link #start}, but the gpu lane's workers are processes that {@link LocalScaler} starts and stops by
     * {@code scaling} ({@code options.gpuWorkers()} in-process workers are not started): what {@code ebb up} runs.
     */
    public static LocalRuntime startScaled(Options options, ScalingSettings scaling) throws IOException {
        LocalRuntime runtime = start(options.withGpuWorkers(0));
        return runtime.withScaler(scaling);
    }

    /** {@link #attach} with process workers driven by {@link LocalScaler}, as {@link #startScaled}. */
    public static LocalRuntime attachScaled(LocalCloud cloud, Options options, ScalingSettings scaling)
            throws IOException {
        return attach(cloud, options.withGpuWorkers(0)).withScaler(scaling);
    }

    private LocalRuntime withScaler(ScalingSettings scaling) throws IOException {
        try {
            scaler = LocalScalers.create(this, scaling).metrics(metrics).start();
            wake.scaler = scaler;
            return this;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The scaler of the gpu lane's worker processes, when this runtime has one. */
    public Optional<LocalScaler> scaler() {
        return Optional.ofNullable(scaler);
    }

    /** Runs the gateway, lanes and workers on servers that are already running (and stay so after close). */
    public static LocalRuntime attach(LocalCloud cloud, Options options) throws IOException {
        LocalClients.useLocalCredentials();
        return build(cloud, false, options);
    }

    private static LocalRuntime build(LocalCloud cloud, boolean ownsCloud, Options options) throws IOException {
        ProvisionedResources resources = cloud.provision(ResourceSpec.defaults());
        Map<String, String> env = new HashMap<>(environment(cloud, resources));
        env.put(WorkerSettings.POLL_WAIT_SECONDS, "2"); // in-process workers must stop within seconds
        env.put(Settings.GROUP_COMMIT_THREADS, "2"); // one gateway serves many requests at once
        String resendAfter = System.getenv(DependencyFactory.RESEND_AFTER_SECONDS);
        if (resendAfter != null) {
            env.put(DependencyFactory.RESEND_AFTER_SECONDS, resendAfter);
        }
        env.putAll(options.workerEnv());
        Settings settings = Settings.fromEnv(env);
        DependencyFactory functions = new DependencyFactory(env);
        ScalerWake wake = new ScalerWake();
        functions.useLaneWake(wake);
        LiveMetrics metrics = new LiveMetrics(Clock.systemUTC());
        functions.useMetrics(metrics); // the handlers record what Lambda would write as EMF lines

        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < options.gpuWorkers(); i++) {
            Worker worker = WorkerMain.create(env, settings, WorkerSettings.fromEnv(env), WorkerMain.tasks(env),
                    metrics);
            worker.start();
            workers.add(worker);
        }
        String cpuQueueUrl = resources.queueUrl(Lane.CPU.id());
        String cpuQueueArn = cloud.sqsClient().getQueueAttributes(r -> r.queueUrl(cpuQueueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        SqsEventSource cpuLane = new SqsEventSource(cloud.sqsClient(), cpuQueueUrl, cpuQueueArn,
                options.cpuConcurrency(), new QueueWorkerHandler(functions));
        cpuLane.start();
        String llmQueueUrl = resources.queueUrl(Lane.LLM.id());
        String llmQueueArn = cloud.sqsClient().getQueueAttributes(r -> r.queueUrl(llmQueueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        // Batch size 1, as the llm function's event source on AWS: a turn's Bedrock call is the batch.
        SqsEventSource llmLane = new SqsEventSource(cloud.sqsClient(), llmQueueUrl, llmQueueArn,
                Deployment.LLM_CONCURRENCY, 1, "llm lane", new ChatWorkerHandler(functions, chatEmbedder(env)));
        llmLane.start();

        HttpGateway gateway = new HttpGateway(options.host(), options.httpPort(), 64, new HttpGateway.Routes(
                new SubmitJobHandler(functions), new GetJobHandler(functions), new CancelJobHandler(functions),
                new ListJobsHandler(functions), new CreateUploadHandler(functions), new SessionsHandler(functions),
                new dev.ebb.functions.UsageHandler(functions)));
        Dashboard.serve(gateway, metrics, cloud.sqsClient(), Map.of(Lane.GPU.id(), resources.queueUrl(Lane.GPU.id()),
                Lane.CPU.id(), cpuQueueUrl, Lane.LLM.id(), llmQueueUrl));
        gateway.start();
        ApiKeyStore keys = new DynamoDbApiKeyStore(cloud.dynamoDbClient(), settings.keysTable(), Clock.systemUTC());
        LocalRuntime runtime = new LocalRuntime(cloud, ownsCloud, env, gateway, cpuLane, workers, keys, wake);
        runtime.llmLane = llmLane;
        runtime.metrics = metrics;
        runtime.deadLetters = DeadLetterSources.start(cloud.sqsClient(), resources, functions);
        // S3Mock sends no event notifications: a poller hands new uploads to the same handler as S3's events on AWS.
        runtime.uploads = new UploadPoller(cloud.s3Client(), ResourceSpec.BUCKET, cloud.config().dataDir(),
                new UploadHandler(functions)).start();
        runtime.reconciler = startReconciler(functions);
        if (!workers.isEmpty()) {
            // In-process workers have no scaler to report them: the gauge the scaler writes, every 5 s.
            runtime.reconciler.scheduleWithFixedDelay(() -> new dev.ebb.core.metrics.JobMeter(metrics).workers(
                    Lane.GPU, workers.size(), (int) workers.stream().filter(w -> w.held() > 0).count()),
                    0, 5, java.util.concurrent.TimeUnit.SECONDS);
        }
        log.info("ebb is up: api={} sqs={} dynamodb={}", runtime.apiEndpoint(), cloud.sqsEndpoint(),
                cloud.dynamoDbEndpoint());
        return runtime;
    }

    /**
     * Every minute (or every {@code EBB_RESEND_AFTER_SECONDS}, if shorter) a pass of the reconciler: jobs QUEUED
     * with no run for longer than that get their message again, as the scaler function's schedule does on AWS. The
     * first pass runs at once, so jobs stranded before a crash are looked at when the local cloud starts again.
     */
    /**
     * The chat worker's embedder for the semantic cache: the gpu worker's int8 MiniLM, whatever model a turn names
     * (a Bedrock one), loaded on the first eligible turn; the functions module stays free of DJL.
     */
    private static dev.ebb.core.cache.Embedder chatEmbedder(Map<String, String> env) {
        dev.ebb.worker.embed.ModelEmbedder models = dev.ebb.worker.embed.EmbeddingTaskRunners.embedder(env);
        return (model, texts) -> models.embed(dev.ebb.core.task.embed.EmbeddingModels.MINILM_QUANTIZED, texts);
    }

    private static java.util.concurrent.ScheduledExecutorService startReconciler(DependencyFactory functions) {
        dev.ebb.core.run.QueuedJobReconciler reconciler = functions.reconciler();
        Duration every = functions.resendAfter().compareTo(Duration.ofMinutes(1)) < 0
                ? functions.resendAfter() : Duration.ofMinutes(1);
        var executor = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("reconciler").factory());
        executor.scheduleWithFixedDelay(() -> {
            try {
                reconciler.reconcile();
            } catch (RuntimeException e) {
                log.warn("reconciler pass failed (the next one tries again): {}", e.toString());
            }
        }, 0, every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return executor;
    }

    /** The environment variables the functions and workers read, pointed at this machine's servers. */
    public static Map<String, String> environment(LocalCloud cloud, ProvisionedResources resources) {
        return Map.ofEntries(
                Map.entry(Settings.LLM_QUEUE_URL, resources.queueUrl(Lane.LLM.id())),
                Map.entry(Deployment.SESSIONS_TABLE.name(), Deployment.SESSIONS.defaultName()),
                Map.entry(Deployment.BEDROCK_ENDPOINT.name(), cloud.bedrock().endpoint().toString()),
                Map.entry("AWS_REGION", LocalClients.REGION.id()),
                Map.entry(DependencyFactory.DYNAMODB_ENDPOINT, cloud.dynamoDbEndpoint().toString()),
                Map.entry(DependencyFactory.SQS_ENDPOINT, cloud.sqsEndpoint().toString()),
                Map.entry(Settings.JOBS_TABLE, "ebb-jobs"),
                Map.entry(Settings.KEYS_TABLE, "ebb-keys"),
                Map.entry(dev.ebb.core.config.AdmissionSettings.CACHE_TABLE,
                        dev.ebb.core.config.Deployment.CACHE.defaultName()),
                Map.entry(dev.ebb.core.config.AdmissionSettings.TENANTS_TABLE,
                        dev.ebb.core.config.Deployment.TENANTS.defaultName()),
                Map.entry(Settings.GPU_QUEUE_URL, resources.queueUrl(Lane.GPU.id())),
                Map.entry(Settings.CPU_QUEUE_URL, resources.queueUrl(Lane.CPU.id())),
                Map.entry(DependencyFactory.S3_ENDPOINT, cloud.s3Endpoint().toString()),
                Map.entry(UploadHandler.BUCKET, ResourceSpec.BUCKET));
    }

    /** The metrics the dashboard shows ({@code GET /dashboard/state}). */
    public LiveMetrics metrics() {
        return metrics;
    }

    /** The dashboard's address; {@code #key=} in the fragment hands the page a key without sending it anywhere. */
    public URI dashboardUrl() {
        return URI.create(apiEndpoint() + "/");
    }

    public URI apiEndpoint() {
        return URI.create("http://127.0.0.1:" + gateway.port());
    }

    public LocalCloud cloud() {
        return cloud;
    }

    public ApiKeyStore keys() {
        return keys;
    }

    public Map<String, String> env() {
        return env;
    }

    /** Stops taking requests, lets the workers finish what they hold, then stops the servers (state stays on disk). */
    @Override
    public void close() {
        gateway.close();
        if (reconciler != null) {
            reconciler.shutdownNow();
        }
        if (uploads != null) {
            uploads.close();
        }
        if (scaler != null) {
            scaler.close();
        }
        cpuLane.close();
        if (llmLane != null) {
            llmLane.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
        gpuWorkers.forEach(Worker::shutdown);
        for (Worker worker : gpuWorkers) {
            try {
                worker.awaitTermination(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ownsCloud) {
            cloud.stop();
        }
        log.info("ebb stopped");
    }

    /** The submit path's wake of the local scaler, as the submit function invokes the scaler function on AWS. */
    private static final class ScalerWake implements LaneWake {
        private volatile LocalScaler scaler;

        @Override
        public boolean accepted(Lane lane) {
            LocalScaler target = scaler;
            if (lane != Lane.GPU || target == null) {
                return false;
            }
            target.arrived();
            return target.wake();
        }
    }
}
