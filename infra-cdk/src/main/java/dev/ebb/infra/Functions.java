package dev.ebb.infra;

import dev.ebb.core.config.Deployment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ecs.Ec2Service;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.Grant;
import software.amazon.awscdk.services.iam.GrantOnPrincipalOptions;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSourceProps;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.EventType;
import software.amazon.awscdk.services.s3.NotificationKeyFilter;
import software.amazon.awscdk.services.s3.notifications.LambdaDestination;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The Lambda functions, all from the functions' shaded jar: Java 21 on arm64 with SnapStart (every trigger points at
 * the {@value #ALIAS} alias, because SnapStart only serves published versions), one log group each, and each one's
 * rights granted here and nowhere else.
 */
public final class Functions extends Construct {
    /** The scaler's state item in the jobs table (see functions' ScalerState). */
    /** The API functions' timeout: core's, which the SDK call timeouts are sized against. */
    static final Duration API_TIMEOUT = Duration.seconds(Deployment.API_FUNCTION_TIMEOUT.toSeconds());

    static final String SCALER_STATE_KEY = "scaler#gpu";
    public static final String ALIAS = "live";
    public static final String HANDLER_PACKAGE = "dev.ebb.functions.";
    /** Environment names the functions read besides dev.ebb.core.config.Settings' (core's deployment catalogue). */
    public static final String BUCKET = Deployment.BUCKET.name();
    public static final String ECS_CLUSTER = Deployment.ECS_CLUSTER.name();
    public static final String ECS_SERVICE = Deployment.ECS_SERVICE.name();
    public static final String SCALER_FUNCTION = Deployment.SCALER_FUNCTION.name();
    public static final String LEASE_SECONDS = Deployment.LEASE_SECONDS.name();
    /** The queue-worker function's timeout; the cpu queue's visibility timeout is 6x this. */
    public static final Duration QUEUE_WORKER_TIMEOUT = Duration.seconds(30);

    /**
     * @param code         the functions' -lambda.jar
     * @param environment  what every function gets: the Settings names (tables, queues) and the bucket
     * @param tables       the tables
     * @param queues       the lanes' queues
     * @param bucket       the data bucket (uploads)
     * @param workers      the gpu workers' cluster and service, for the scaler
     */
    public record Props(Path code, Map<String, String> environment, Tables tables, Queues queues, Bucket bucket,
                        GpuWorkers workers) {
    }

    private final Alias submit;
    private final Alias get;
    private final Alias cancel;
    private final Alias list;
    private final Alias createUpload;
    private final Alias usage;
    private final Alias queueWorker;
    private final Alias upload;
    private final Alias deadLetter;
    private final Alias redrive;
    private final Alias scaler;
    private final Alias sessions;
    private final Alias chatWorker;
    private final Queue uploadFailures;

    public Functions(Construct scope, String id, Props props) {
        super(scope, id);
        Code code = Code.fromAsset(props.code().toString());
        Tables tables = props.tables();
        Queues queues = props.queues();
        Ec2Service service = props.workers().service();

        // ---- scaler: every minute, and woken by submit when the gpu lane has no worker
        this.scaler = function(code, "Scaler", "ScalerHandler", Duration.seconds(30), 512,
                "Sets the gpu workers' desired count from the gpu queue's depth and age (scaling policy in core).",
                merge(props.environment(), Map.of(
                        ECS_CLUSTER, props.workers().cluster().getClusterName(),
                        ECS_SERVICE, service.getServiceName(),
                        // What a new worker takes to serve in this stack (cold, or from the warm pool).
                        Deployment.SCALE_STARTUP_SECONDS.name(), String.valueOf(props.workers().startupSeconds()))));
        // One run at a time, as in SAM: the schedule and the submit function's wakes must not race on the count.
        ((CfnFunction) scaler.getVersion().getLambda().getNode().getDefaultChild()).setReservedConcurrentExecutions(1);
        Rule.Builder.create(this, "ScalerSchedule")
                .description("Runs the scaler every minute")
                .schedule(Schedule.rate(Duration.minutes(1)))
                .targets(List.of(new LambdaFunction(scaler)))
                .build();
        queues.gpu().queue().grant(scaler, "sqs:GetQueueAttributes");
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(scaler)
                .actions(List.of("ecs:DescribeServices", "ecs:UpdateService"))
                .resourceArns(List.of(service.getServiceArn()))
                .build());
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(scaler)
                .actions(List.of("ecs:GetTaskProtection"))
                .resourceArns(List.of(props.workers().cluster().arnForTasks("*")))
                .build());
        // The service's tasks, to count the busy (protected) ones: ListTasks has no resource-level scope, so the
        // grant is on "*" limited to the worker cluster by condition.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(scaler)
                .actions(List.of("ecs:ListTasks"))
                .resourceArns(List.of("*"))
                .conditions(Map.of("ArnEquals", Map.of("ecs:cluster", props.workers().cluster().getClusterArn())))
                .build());
        // Its one state item in the jobs table (idle since, last running count), and no other item there.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(scaler)
                .actions(List.of("dynamodb:GetItem", "dynamodb:PutItem"))
                .resourceArns(List.of(tables.jobs().getTableArn()))
                .conditions(Map.of("ForAllValues:StringEquals", Map.of("dynamodb:LeadingKeys", List.of(SCALER_STATE_KEY))))
                .build());
        // The reconciler of its scheduled run: the sparse index of jobs QUEUED with no run, those jobs (read, and
        // the time their message was sent again), and the lane queues to send it to.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(scaler)
                .actions(List.of("dynamodb:Query"))
                .resourceArns(List.of(tables.jobs().getTableArn() + "/index/" + Deployment.QUEUED_INDEX.name()))
                .build());
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(scaler)
                .actions(List.of("dynamodb:GetItem", "dynamodb:UpdateItem"))
                .resourceArns(List.of(tables.jobs().getTableArn()))
                .build());
        queues.gpu().queue().grantSendMessages(scaler);
        queues.cpu().queue().grantSendMessages(scaler);
        queues.llm().queue().grantSendMessages(scaler);

        // ---- HTTP API
        this.submit = function(code, "SubmitJob", "SubmitJobHandler", API_TIMEOUT, 1024,
                "POST /v1/jobs: validate, record QUEUED, send to the lane queue, wake the scaler",
                merge(props.environment(), Map.of(SCALER_FUNCTION, scaler.getFunctionArn())));
        tables.jobs().grantReadWriteData(submit);
        tables.keys().grantReadData(submit);
        queues.gpu().queue().grantSendMessages(submit);
        queues.cpu().queue().grantSendMessages(submit);
        queues.llm().queue().grantSendMessages(submit);
        scaler.grantInvoke(submit);
        putLargeInputs(submit, props.bucket());
        admissionAtSubmit(submit, tables, queues);

        this.get = function(code, "GetJob", "GetJobHandler", API_TIMEOUT, 1024,
                "GET /v1/jobs/{id}: status, timings, attempts, result or error", props.environment());
        tables.jobs().grantReadData(get);
        tables.keys().grantReadData(get);
        // A result too large for the item is read back from results/: get only.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(get)
                .actions(List.of("s3:GetObject"))
                .resourceArns(List.of(props.bucket().arnForObjects(DataBucket.RESULTS_PREFIX + "*")))
                .build());
        listObjects(get, props.bucket());

        this.cancel = function(code, "CancelJob", "CancelJobHandler", API_TIMEOUT, 1024,
                "DELETE /v1/jobs/{id}: cancel a job that has not finished", props.environment());
        tables.jobs().grantReadWriteData(cancel);
        tables.keys().grantReadData(cancel);

        this.list = function(code, "ListJobs", "ListJobsHandler", API_TIMEOUT, 1024,
                "GET /v1/jobs: the tenant's jobs, newest first, filtered, paginated", props.environment());
        // A page of the tenant index (keys only), then the items: those two reads and nothing else.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(list)
                .actions(List.of("dynamodb:Query"))
                .resourceArns(List.of(tables.jobs().getTableArn() + "/index/" + Deployment.TENANT_INDEX.name()))
                .build());
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(list)
                .actions(List.of("dynamodb:BatchGetItem"))
                .resourceArns(List.of(tables.jobs().getTableArn()))
                .build());
        tables.keys().grantReadData(list);

        this.createUpload = function(code, "CreateUpload", "CreateUploadHandler", API_TIMEOUT, 1024,
                "POST /v1/uploads: a presigned PUT URL under uploads/<tenant>/<task>/", props.environment());
        // The URL carries this role's rights: put under uploads/ only.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(createUpload)
                .actions(List.of("s3:PutObject"))
                .resourceArns(List.of(props.bucket().arnForObjects(DataBucket.UPLOADS_PREFIX + "*")))
                .build());
        tables.keys().grantReadData(createUpload);

        this.usage = function(code, "Usage", "UsageHandler", API_TIMEOUT, 1024,
                "GET /v1/usage: the tenant's spend, reservations, limits and cache hits", props.environment());
        tables.keys().grantReadData(usage);
        tables.tenants().grant(usage, "dynamodb:GetItem"); // its own item, nothing else

        // ---- cpu lane: batches from the cpu queue, unfinished jobs reported as batch item failures
        this.queueWorker = function(code, "QueueWorker", "QueueWorkerHandler", QUEUE_WORKER_TIMEOUT, 1024,
                "cpu lane: runs batches from the cpu queue",
                // Longer than the function can run, shorter than the visibility timeout (6x the timeout).
                merge(props.environment(), Map.of(LEASE_SECONDS, "60")));
        tables.jobs().grantReadWriteData(queueWorker);
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(queueWorker)
                .actions(List.of("s3:GetObject"))
                .resourceArns(List.of(props.bucket().arnForObjects(DataBucket.INPUTS_PREFIX + "*")))
                .build());
        listObjects(queueWorker, props.bucket());
        admissionAtWorker(queueWorker, tables);
        // A result too large for the item is put under results/ before the completion: put only.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(queueWorker)
                .actions(List.of("s3:PutObject"))
                .resourceArns(List.of(props.bucket().arnForObjects(DataBucket.RESULTS_PREFIX + "*")))
                .build());
        queueWorker.addEventSource(new SqsEventSource(queues.cpu().queue(), SqsEventSourceProps.builder()
                .batchSize(10)
                .maxBatchingWindow(Duration.seconds(1))
                .reportBatchItemFailures(true)
                .build()));

        // ---- uploads: S3 invokes asynchronously; events that still fail after Lambda's retries are kept here
        this.uploadFailures = Queue.Builder.create(this, Deployment.UPLOAD_FAILURES.id())
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
        Function uploadFunction = baseFunction(code, "Upload", "UploadHandler", Duration.seconds(30), 1024,
                "uploads/<tenant>/<task>/<name> objects: one job each (idempotent)", props.environment(),
                uploadFailures);
        this.upload = alias(uploadFunction);
        tables.jobs().grantReadWriteData(upload);
        // Whether the upload's tenant exists: its marker item in the keys table.
        tables.keys().grantReadData(upload);
        queues.gpu().queue().grantSendMessages(upload);
        queues.cpu().queue().grantSendMessages(upload);
        queues.llm().queue().grantSendMessages(upload);
        admissionAtSubmit(upload, tables, queues);
        // Exact actions rather than bucket.grantRead, whose s3:GetObject* and s3:List* are wildcards.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(upload)
                .actions(List.of("s3:GetObject", "s3:GetObjectVersion"))
                .resourceArns(List.of(props.bucket().arnForObjects(DataBucket.UPLOADS_PREFIX + "*")))
                .build());
        listObjects(upload, props.bucket());
        putLargeInputs(upload, props.bucket());
        props.bucket().addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(upload),
                NotificationKeyFilter.builder().prefix(DataBucket.UPLOADS_PREFIX).build());

        // ---- dead letters: mark each job FAILED with its reason; redrive brings them back on an operator's call
        this.deadLetter = function(code, "DeadLetter", "DeadLetterHandler", Duration.seconds(30), 512,
                "Both lanes' DLQs: marks each job FAILED with its reason", props.environment());
        tables.jobs().grantReadWriteData(deadLetter);
        for (Queues.Lane lane : List.of(queues.gpu(), queues.cpu(), queues.llm())) {
            deadLetter.addEventSource(new SqsEventSource(lane.deadLetters(), SqsEventSourceProps.builder()
                    .batchSize(10)
                    .reportBatchItemFailures(true)
                    .build()));
        }

        this.redrive = function(code, "Redrive", "RedriveHandler", Duration.minutes(5), 512,
                "Operators only (no trigger): {\"lane\":\"gpu\"|\"cpu\",\"max\":N} brings dead letters back",
                props.environment());
        // Redrive reads the jobs table's dead-letter index and re-sends each job from its item: it never reads the
        // DLQs (the dead-letter consumer has already deleted their messages).
        tables.jobs().grantReadWriteData(redrive);
        for (Queues.Lane lane : List.of(queues.gpu(), queues.cpu(), queues.llm())) {
            lane.queue().grantSendMessages(redrive);
        }

        // ---- chat: the sessions routes, and the llm lane's consumer (Bedrock), capped at LLM_CONCURRENCY
        this.sessions = function(code, "Sessions", "SessionsHandler", API_TIMEOUT, 1024,
                "POST /v1/sessions/{id}/messages, GET and DELETE /v1/sessions/{id}: chat turns as llm-lane jobs",
                props.environment());
        tables.jobs().grantReadWriteData(sessions);
        tables.keys().grantReadData(sessions);
        tables.sessions().grantReadWriteData(sessions);
        queues.llm().queue().grantSendMessages(sessions);
        admissionAtSubmit(sessions, tables, queues);

        this.chatWorker = function(code, "ChatWorker", "ChatWorkerHandler", CHAT_WORKER_TIMEOUT, 1024,
                "llm lane: one chat turn per invocation through Bedrock ConverseStream, in session order",
                // Longer than the function can run, shorter than the llm queue's visibility timeout.
                merge(props.environment(), Map.of(LEASE_SECONDS, "120")));
        ((CfnFunction) chatWorker.getVersion().getLambda().getNode().getDefaultChild())
                .setReservedConcurrentExecutions(Deployment.LLM_CONCURRENCY);
        tables.jobs().grantReadWriteData(chatWorker);
        tables.sessions().grantReadWriteData(chatWorker);
        admissionAtWorker(chatWorker, tables);
        // The allowed models only (EBB_CHAT_MODELS), streamed or not; nothing else of Bedrock.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(chatWorker)
                .actions(List.of("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"))
                .resourceArns(Deployment.DEFAULT_CHAT_MODELS.stream().map(model -> Stack.of(this).formatArn(
                        ArnComponents.builder().service("bedrock").account("").resource("foundation-model")
                                .resourceName(model).arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build())).toList())
                .build());
        // One turn per invocation; the event source's consume rights include the visibility change of a requeue.
        chatWorker.addEventSource(new SqsEventSource(queues.llm().queue(), SqsEventSourceProps.builder()
                .batchSize(1)
                .maxConcurrency(Deployment.LLM_CONCURRENCY)
                .reportBatchItemFailures(true)
                .build()));
    }

    /** The chat worker's timeout: above ChatTask.CALL_LIMIT (80 s), below its lease (120 s). */
    public static final Duration CHAT_WORKER_TIMEOUT = Duration.seconds(90);

    private Alias function(Code code, String id, String handlerClass, Duration timeout, int memory, String description,
                           Map<String, String> environment) {
        return alias(baseFunction(code, id, handlerClass, timeout, memory, description, environment, null));
    }

    private Function baseFunction(Code code, String id, String handlerClass, Duration timeout, int memory,
                                  String description, Map<String, String> environment, Queue asyncFailures) {
        LogGroup logs = LogGroup.Builder.create(this, id + "Logs")
                .retention(RetentionDays.ONE_YEAR)
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        Function.Builder builder = Function.Builder.create(this, id)
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .code(code)
                .handler(HANDLER_PACKAGE + handlerClass + "::handleRequest")
                .description(description)
                .timeout(timeout)
                .memorySize(memory)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .environment(environment)
                .logGroup(logs);
        if (asyncFailures != null) {
            builder.deadLetterQueue(asyncFailures).retryAttempts(2);
        }
        Function function = builder.build();
        // SnapStart serves published versions only: every trigger uses the alias on the current version.
        Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "every trigger points at the '" + ALIAS + "' alias of the current version");
        return function;
    }

    private static Alias alias(Function function) {
        return Alias.Builder.create(function, "Alias")
                .aliasName(ALIAS)
                .version(function.getCurrentVersion())
                .build();
    }

    private static Map<String, String> merge(Map<String, String> common, Map<String, String> own) {
        Map<String, String> all = new HashMap<>(common);
        all.putAll(own);
        return all;
    }

    public Alias submit() {
        return submit;
    }

    public Alias get() {
        return get;
    }

    public Alias cancel() {
        return cancel;
    }

    public Alias list() {
        return list;
    }

    public Alias createUpload() {
        return createUpload;
    }

    public Alias usage() {
        return usage;
    }

    public Alias queueWorker() {
        return queueWorker;
    }

    public Alias upload() {
        return upload;
    }

    public Alias deadLetter() {
        return deadLetter;
    }

    public Alias redrive() {
        return redrive;
    }

    public Alias scaler() {
        return scaler;
    }

    public Alias sessions() {
        return sessions;
    }

    public Alias chatWorker() {
        return chatWorker;
    }

    public Queue uploadFailures() {
        return uploadFailures;
    }

    /** Every function, for alarms and the dashboard. */
    public List<Alias> all() {
        return List.of(submit, get, cancel, list, createUpload, usage, queueWorker, upload, deadLetter, redrive,
                scaler, sessions, chatWorker);
    }

    /** An input over EBB_LARGE_INPUT_BYTES is written under inputs/ before its job: that prefix, put only. */
    /**
     * s3:ListBucket on the bucket, for a function that reads objects: without it S3 answers a GET of a missing key
     * with 403 AccessDenied instead of 404 NoSuchKey, and a gone result or input would look like an outage forever.
     * Unconditioned: S3 documents no prefix condition for that check. It lists key names, never contents.
     */
    /**
     * Admission at submit: the tenant's item (switches, rate bucket, budget: GetItem and conditional UpdateItem), the
     * result cache's reads, and the lanes' depth for overflow (GetQueueAttributes, at most once a second per lane).
     */
    static void admissionAtSubmit(IGrantable function, Tables tables,
                                  Queues queues) {
        tables.tenants().grant(function, "dynamodb:GetItem", "dynamodb:UpdateItem");
        tables.cache().grant(function, "dynamodb:GetItem");
        queues.gpu().queue().grant(function, "sqs:GetQueueAttributes");
        queues.cpu().queue().grant(function, "sqs:GetQueueAttributes");
        queues.llm().queue().grant(function, "sqs:GetQueueAttributes");
    }

    /**
     * Admission's worker side: the claim's second look and the budget's settlement on the tenant's item, the lane's
     * drain counter, and the result cache's writes.
     */
    static void admissionAtWorker(IGrantable worker, Tables tables) {
        tables.tenants().grant(worker, "dynamodb:GetItem", "dynamodb:UpdateItem");
        tables.cache().grant(worker, "dynamodb:PutItem");
    }

    static void listObjects(IGrantable reader, Bucket bucket) {
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(reader)
                .actions(List.of("s3:ListBucket"))
                .resourceArns(List.of(bucket.getBucketArn()))
                .build());
    }

    private static void putLargeInputs(IGrantable function, Bucket bucket) {
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(function)
                .actions(List.of("s3:PutObject"))
                .resourceArns(List.of(bucket.arnForObjects(DataBucket.INPUTS_PREFIX + "*")))
                .build());
    }
}
