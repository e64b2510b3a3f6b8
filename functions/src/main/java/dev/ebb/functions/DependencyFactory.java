package dev.ebb.functions;

import dev.ebb.core.api.JobList;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.UploadUrls;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.auth.ApiKeyStore;
import dev.ebb.core.auth.Authenticator;
import dev.ebb.core.auth.DynamoDbApiKeyStore;
import dev.ebb.core.config.AwsClientFactory;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.admission.LaneAvailability;
import dev.ebb.core.admission.AdmissionControl;
import dev.ebb.core.config.AdmissionSettings;
import dev.ebb.core.config.Settings;
import dev.ebb.core.queue.SqsLaneDepth;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.job.DeadLetterStore;
import dev.ebb.core.job.DynamoDbDeadLetterStore;
import dev.ebb.core.job.DynamoDbJobListing;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.GroupCommitJobStore;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.queue.GroupCommitJobQueue;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.run.DeadLetters;
import dev.ebb.core.run.QueuedJobReconciler;
import dev.ebb.core.store.ObjectStore;
import dev.ebb.core.store.S3ObjectStore;
import dev.ebb.core.task.TaskCatalogue;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.run.Requeue;
import dev.ebb.core.session.DynamoDbSessionStore;
import dev.ebb.core.session.SessionService;
import dev.ebb.core.session.SessionStore;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.chat.ChatSettings;
import dev.ebb.core.task.chat.ChatTask;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the functions' collaborators once per execution environment, from the environment. The AWS clients come
 * from core's {@link AwsClientFactory} (region from {@code AWS_REGION}, the URL-connection HTTP client, call
 * timeouts, the shared retry strategy, and endpoint overrides for the local cloud: {@code EBB_DYNAMODB_ENDPOINT},
 * {@code EBB_SQS_ENDPOINT}, {@code EBB_S3_ENDPOINT}, {@code EBB_ECS_ENDPOINT}, {@code EBB_LAMBDA_ENDPOINT}).
 */
public final class DependencyFactory {
    public static final String DYNAMODB_ENDPOINT = Deployment.DYNAMODB_ENDPOINT.name();
    public static final String SQS_ENDPOINT = Deployment.SQS_ENDPOINT.name();
    /** The object store's endpoint for the local cloud; set, the client addresses buckets path-style. */
    public static final String S3_ENDPOINT = Deployment.S3_ENDPOINT.name();
    public static final String ECS_ENDPOINT = Deployment.ECS_ENDPOINT.name();
    public static final String LAMBDA_ENDPOINT = Deployment.LAMBDA_ENDPOINT.name();
    public static final String RESEND_AFTER_SECONDS = Deployment.RESEND_AFTER_SECONDS.name();

    private final Settings settings;
    private final AdmissionSettings admissionSettings;
    private AdmissionControl admissionControl;
    private final DynamoDbClient dynamoDb;
    private final JobStore jobStore;
    private final JobQueue jobQueue;
    private final DeadLetters deadLetters;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, String> env;
    private final AwsClientFactory clients;
    private S3Client s3;
    private S3Presigner presigner;
    private final SqsClient sqs;
    // Built on first use, so that the API functions never pay for the scaler's clients.
    private EcsClient ecs;
    private LambdaClient lambda;
    private LaneWake laneWake;
    // The chat task's, built on first use: only the sessions and llm-lane functions pay for them.
    private ChatSettings chat;
    private SessionStore sessions;
    private BedrockRuntimeAsyncClient bedrock;
    private TaskRegistry llmTasks;
    private MetricsSink metrics;

    public DependencyFactory(Map<String, String> env) {
        this.env = Map.copyOf(env);
        this.settings = Settings.fromEnv(env);
        this.admissionSettings = AdmissionSettings.fromEnv(env);
        this.clients = clients(env);
        this.dynamoDb = clients.dynamoDb();
        this.sqs = clients.sqs();
        JobStore store = new DynamoDbJobStore(dynamoDb, settings.jobsTable());
        JobQueue queue = new SqsJobQueue(sqs, settings.queueUrls());
        int writers = settings.groupCommitThreads();
        this.jobStore = writers == 0 ? store : new GroupCommitJobStore(store, writers);
        this.jobQueue = writers == 0 ? queue : new GroupCommitJobQueue(queue, writers);
        this.deadLetters = new DeadLetters(new DynamoDbDeadLetterStore(dynamoDb, settings.jobsTable()), queue,
                settings.limits(), clock);
    }

    /**
     * How a function's AWS clients are built: the URL-connection HTTP client (the only one in the Lambda jar). In
     * Lambda ({@code AWS_LAMBDA_FUNCTION_NAME} is set there, always) each attempt and each call stay within core's
     * {@code Deployment.SDK_ATTEMPT_TIMEOUT} / {@code SDK_CALL_TIMEOUT}, so that every call a submit makes in a row
     * fits inside the function's timeout (TemplateTest, EbbStackTest). A host without a function timeout — the local
     * cloud, on a 2-core machine shared with its workers — keeps {@link #HOST_ATTEMPT_TIMEOUT} and
     * {@link #HOST_CALL_TIMEOUT}, so a garbage-collection pause there is not a 503.
     */
    static AwsClientFactory clients(Map<String, String> env) {
        boolean inLambda = env.containsKey(LAMBDA_FUNCTION_NAME);
        return AwsClientFactory.builder()
                .environment(env)
                .httpClient(UrlConnectionHttpClient::builder)
                .attemptTimeout(inLambda ? Deployment.SDK_ATTEMPT_TIMEOUT : HOST_ATTEMPT_TIMEOUT)
                .callTimeout(inLambda ? Deployment.SDK_CALL_TIMEOUT : HOST_CALL_TIMEOUT)
                .build();
    }

    /** Set by Lambda in every function's environment. */
    static final String LAMBDA_FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME";
    static final Duration HOST_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration HOST_CALL_TIMEOUT = Duration.ofSeconds(15);

    /** The environment of this process, built on first use: what each handler's no-argument constructor uses. */
    static DependencyFactory fromProcessEnv() {
        return Holder.INSTANCE;
    }

    /**
     * The task catalogue as the functions see it: math runs here (cpu lane); embed and classify are contracts only,
     * validated here and run by the gpu workers.
     */
    public TaskRegistry tasks() {
        return tasks(env);
    }

    /** The tasks of a function with the environment {@code env} (EBB_MAX_TEXTS_PER_JOB among it). */
    public static TaskRegistry tasks(Map<String, String> env) {
        return TaskCatalogue.contracts(env);
    }

    public Settings settings() {
        return settings;
    }

    public JobStore jobStore() {
        return jobStore;
    }

    public JobService jobService() {
        JobService.Builder builder = JobService.builder().store(jobStore).queue(jobQueue).tasks(tasks())
                .limits(settings.limits()).clock(clock).objects(objectStore()).resendAfter(resendAfter())
                .metrics(metrics()).step(laneAvailability());
        admissionControl().steps(jobStore, settings.limits(), new SqsLaneDepth(sqs, settings.queueUrls()), metrics())
                .forEach(builder::step);
        builder.onCancelled(admissionControl().cancelSettlement(tasks()));
        return builder.build();
    }

    /**
     * Kill switch, rate limit, budget, overflow and the result cache (submit side), and their worker side (the
     * claim check and the completion listeners): one per process, so its in-process caches are shared.
     */
    public synchronized AdmissionControl admissionControl() {
        if (admissionControl == null) {
            admissionControl = new AdmissionControl(admissionSettings, dynamoDb, clock);
        }
        return admissionControl;
    }

    /** A job runner of the cpu lane with admission's worker side: the claim check and the completion listeners. */
    public JobRunner jobRunner(String owner) {
        JobRunner.Builder builder = JobRunner.builder().store(jobStore).tasks(tasks()).owner(owner)
                .lease(settings.lease()).resultTtl(settings.limits().resultTtl())
                .clock(clock).objects(objectStore())
                .largeResultBytes(settings.largeResultBytes())
                .deadLetters(deadLetterStore(), settings.limits().jobTtl())
                .claimCheck(admissionControl().claimCheck())
                .metrics(metrics());
        admissionControl().listeners(tasks()).forEach(builder::listener);
        return builder.build();
    }

    /**
     * The lanes named by {@code EBB_UNAVAILABLE_LANES}, and the llm lane where this function is not told its queue
     * ({@code EBB_LLM_QUEUE_URL}): a chat job is then refused at submit ({@code 400 lane_unavailable}), never
     * accepted into a queue this deployment does not have.
     */
    LaneAvailability laneAvailability() {
        LaneAvailability named = LaneAvailability.fromEnv(env);
        if (settings.queueUrls().containsKey(Lane.LLM)) {
            return named;
        }
        java.util.Set<Lane> lanes = java.util.EnumSet.of(Lane.LLM);
        lanes.addAll(named.unavailable());
        return new LaneAvailability(lanes);
    }

    /** {@code EBB_RESEND_AFTER_SECONDS}: how long a job waits QUEUED with no run before its message is sent again. */
    public Duration resendAfter() {
        return new dev.ebb.core.config.Env(env).seconds(RESEND_AFTER_SECONDS, JobService.DEFAULT_RESEND_AFTER);
    }

    /** Sends again the messages of jobs QUEUED with no run for longer than {@link #resendAfter()}. */
    public QueuedJobReconciler reconciler() {
        return new QueuedJobReconciler(jobStore, jobQueue, resendAfter(), QueuedJobReconciler.DEFAULT_LIMIT, clock);
    }

    /**
     * Where inputs too large for a message go: the {@code EBB_BUCKET} bucket, or null where it is not set (large
     * inputs are then refused with a 413 that says so).
     */
    public ObjectStore objectStore() {
        String bucket = env.get(UploadHandler.BUCKET);
        return bucket == null || bucket.isBlank() ? null : new S3ObjectStore(s3(), bucket);
    }

    /** Dead-letter consumer and redrive (DeadLetterHandler, RedriveHandler, {@code ebb redrive}). */
    /** The jobs table's dead-letter side: where the runner ends a poison job. */
    public DeadLetterStore deadLetterStore() {
        return new DynamoDbDeadLetterStore(dynamoDb, settings.jobsTable());
    }

    public DeadLetters deadLetters() {
        return deadLetters;
    }

    public Authenticator authenticator() {
        return new Authenticator(apiKeys(), settings.keyCache(), admissionSettings.negativeKeyCache());
    }

    /** The keys table: keys by hash, and which tenants exist (the upload function's check). */
    public ApiKeyStore apiKeys() {
        return new DynamoDbApiKeyStore(dynamoDb, settings.keysTable(), clock);
    }

    public Clock clock() {
        return clock;
    }

    /** The variables this factory was built from, for handlers that read a name of their own. */
    public Map<String, String> environment() {
        return env;
    }

    /** The object-store client, built on first use: only the functions that read objects pay for it. */
    public synchronized S3Client s3() {
        if (s3 == null) {
            s3 = clients.s3();
        }
        return s3;
    }

    public DynamoDbClient dynamoDbClient() {
        return dynamoDb;
    }

    /**
     * Calls that change nothing, made once so that the DynamoDB and SQS clients' request paths (marshalling, signing,
     * the HTTP connection) are loaded and run before a snapshot: a read of a job id no job has, and each lane queue's
     * attributes. SnapStart priming ({@link SubmitJobHandler#prime()}).
     */
    public void primeClients() {
        dynamoDb.getItem(r -> r.tableName(settings.jobsTable())
                .key(Map.of("jobId", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                        "j_00000000000000000000000000"))));
        for (String url : settings.queueUrls().values()) {
            sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNamesWithStrings("ApproximateNumberOfMessages"));
        }
    }

    /** {@code GET /v1/jobs}: the tenant's jobs through the jobs table's tenant index. */
    public JobList jobList() {
        return new JobList(jobListing(), clock);
    }

    /** The tenant index's reads, and the mark of the jobs uploads made. */
    public DynamoDbJobListing jobListing() {
        return new DynamoDbJobListing(dynamoDb, settings.jobsTable(), clock);
    }

    /**
     * {@code POST /v1/uploads}: presigned PUT URLs into {@code EBB_BUCKET}, signed with this function's own
     * credentials (on AWS its role, which may put objects under {@code uploads/} only).
     */
    public UploadUrls uploadUrls() {
        String bucket = env.get(UploadHandler.BUCKET);
        if (bucket == null || bucket.isBlank()) {
            throw new SettingsException(UploadHandler.BUCKET + " is required to presign uploads");
        }
        return new UploadUrls(s3Presigner(), bucket, tasks(), clock);
    }

    /** Signs URLs locally (no call is made); path-style against the local cloud's endpoint, as {@link #s3()}. */
    public synchronized S3Presigner s3Presigner() {
        if (presigner == null) {
            presigner = clients.s3Presigner();
        }
        return presigner;
    }

    public SqsClient sqsClient() {
        return sqs;
    }

    public synchronized EcsClient ecsClient() {
        if (ecs == null) {
            ecs = clients.client(EcsClient.builder(), Deployment.ECS_ENDPOINT);
        }
        return ecs;
    }

    public synchronized LambdaClient lambdaClient() {
        if (lambda == null) {
            lambda = clients.client(LambdaClient.builder(), Deployment.LAMBDA_ENDPOINT);
        }
        return lambda;
    }

    /**
     * The submit function's wake of the gpu lane's scaler: the scaler function named by EBB_SCALER_FUNCTION, nothing
     * without it, or what {@link #useLaneWake} set.
     */
    public synchronized LaneWake laneWake() {
        if (laneWake == null) {
            String function = LambdaLaneWake.function(env);
            laneWake = function == null ? LaneWake.NONE : new LambdaLaneWake(function, this::lambdaClient,
                    new ScalerState(dynamoDb, settings.jobsTable()), clock);
        }
        return laneWake;
    }

    /**
     * Where the functions' metrics go: Powertools' EMF lines on stdout (flushed by each handler before it returns),
     * or what {@link #useMetrics} set.
     */
    public synchronized MetricsSink metrics() {
        if (metrics == null) {
            metrics = new PowertoolsMetrics();
        }
        return metrics;
    }

    /** For a runtime with metrics of its own (the local cloud's dashboard): the handlers built after this use it. */
    public synchronized void useMetrics(MetricsSink sink) {
        this.metrics = java.util.Objects.requireNonNull(sink);
    }

    /** For a runtime that runs its own scaler (the local cloud): the handlers built after this call wake it. */
    public synchronized void useLaneWake(LaneWake wake) {
        this.laneWake = java.util.Objects.requireNonNull(wake);
    }

    /** The chat task's settings (EBB_CHAT_*, EBB_SESSION_TTL_SECONDS). */
    public synchronized ChatSettings chatSettings() {
        if (chat == null) {
            chat = ChatSettings.fromEnv(env);
        }
        return chat;
    }

    /** The sessions table ({@code EBB_SESSIONS_TABLE}). */
    public synchronized SessionStore sessionStore() {
        if (sessions == null) {
            sessions = new DynamoDbSessionStore(dynamoDb, new dev.ebb.core.config.Env(env)
                    .string(Deployment.SESSIONS_TABLE.name(), Deployment.SESSIONS.defaultName()));
        }
        return sessions;
    }

    /** The sessions routes: a message is a chat job through {@link #jobService()} and its admission steps. */
    public SessionService sessionService() {
        return new SessionService(jobService(), sessionStore(), tasks(), chatSettings().sessionTtl(),
                settings.limits().maxRequestBytes(), clock);
    }

    /**
     * The Bedrock runtime client (asynchronous: ConverseStream), on netty with as many connections as the llm lane
     * runs turns, its call bounded by the chat task's limit; {@code EBB_BEDROCK_ENDPOINT} points it at the local
     * cloud's stand-in.
     */
    public synchronized BedrockRuntimeAsyncClient bedrock() {
        if (bedrock == null) {
            bedrock = clients.asyncClient(BedrockRuntimeAsyncClient.builder(), Deployment.BEDROCK_ENDPOINT,
                    bedrockHttpClient(), ChatTask.CALL_LIMIT);
        }
        return bedrock;
    }

    /**
     * Netty over HTTP/1.1: Converse and ConverseStream are one-way (the reply streams, the request does not), which
     * HTTP/1.1 carries; the local stand-in speaks nothing else (no cleartext HTTP/2).
     */
    public static NettyNioAsyncHttpClient.Builder bedrockHttpClient() {
        return NettyNioAsyncHttpClient.builder().protocol(software.amazon.awssdk.http.Protocol.HTTP1_1)
                .maxConcurrency(2 * Deployment.LLM_CONCURRENCY).connectionTimeout(Duration.ofSeconds(5));
    }

    /** The tasks the llm lane's consumer runs: the chat task's runner (Bedrock, the sessions table). */
    public synchronized TaskRegistry llmTasks() {
        if (llmTasks == null) {
            llmTasks = TaskRegistry.of(new ChatTask(chatSettings(), bedrock(), sessionStore(), jobStore::writePartial,
                    clock));
        }
        return llmTasks;
    }

    /** Puts a message of {@code lane} back with a delay: a visibility change of the received message. */
    public Requeue requeue(Lane lane) {
        return (message, delay) -> jobQueue.changeVisibility(lane, java.util.List.of(message), delay);
    }

    private static final class Holder {
        static final DependencyFactory INSTANCE = new DependencyFactory(System.getenv());
    }
}
