package dev.ebb.infra;

import dev.ebb.core.config.Deployment;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.Grant;
import software.amazon.awscdk.services.iam.GrantOnPrincipalOptions;
import software.constructs.Construct;

/**
 * The whole of Ebb on AWS: tables, lane queues, the data bucket, the GPU workers, the functions, the HTTP API, alarms
 * and a dashboard. One construct per concern; this class only wires them together. Idle, it costs what
 * docs/deploy.md says (nothing runs until there is work).
 */
public final class EbbStack extends Stack {
    /** Names read by dev.ebb.core.config.Settings: core's deployment catalogue, the one list of them. */
    static final String JOBS_TABLE = Deployment.JOBS.nameVariable().name();
    static final String KEYS_TABLE = Deployment.KEYS.nameVariable().name();
    static final String GPU_QUEUE_URL = Deployment.GPU.urlVariable().name();
    static final String CPU_QUEUE_URL = Deployment.CPU.urlVariable().name();
    static final String LLM_QUEUE_URL = Deployment.LLM.urlVariable().name();
    /** Names read by the gpu worker (dev.ebb.worker.WorkerSettings and the model loader). */
    static final String LANE = Deployment.LANE.name();
    static final String DEVICE = Deployment.DEVICE.name();
    static final String MODEL_DIR = Deployment.MODEL_DIR.name();
    static final String DRAIN_SECONDS = Deployment.DRAIN_SECONDS.name();

    /** Receives before a message is a dead letter; the same as the local cloud's queues. */
    static final int MAX_RECEIVE_COUNT = Deployment.MAX_RECEIVE_COUNT;
    /** ECS waits this long after SIGTERM before SIGKILL; the worker's drain deadline is a little shorter. */
    static final Duration WORKER_STOP_TIMEOUT = Duration.seconds(120);

    private final Tables tables;
    private final Queues queues;
    private final DataBucket data;
    private final GpuWorkers workers;
    private final Functions functions;
    private final Api api;
    private final Observability observability;

    public EbbStack(Construct scope, String id, StackProps props, StackSettings settings) {
        super(scope, id, props);
        this.tables = new Tables(this, "Tables", new Tables.Props(true));
        this.queues = new Queues(this, "Queues", new Queues.Props(
                Duration.seconds(6 * Functions.QUEUE_WORKER_TIMEOUT.toSeconds().intValue()), Duration.seconds(120),
                MAX_RECEIVE_COUNT));
        this.data = new DataBucket(this, "Data", new DataBucket.Props(Duration.days(7), true));

        Map<String, String> common = new LinkedHashMap<>();
        for (Deployment.TableSpec table : Deployment.TABLES) {
            common.put(table.nameVariable().name(), tables.table(table).getTableName());
        }
        common.put(GPU_QUEUE_URL, queues.gpu().queue().getQueueUrl());
        common.put(CPU_QUEUE_URL, queues.cpu().queue().getQueueUrl());
        common.put(LLM_QUEUE_URL, queues.llm().queue().getQueueUrl());
        // Every function that validates a chat turn allows the same models; the chat worker may invoke only them.
        common.put(Deployment.CHAT_MODEL.name(), Deployment.DEFAULT_CHAT_MODELS.getFirst());
        common.put(Deployment.CHAT_MODELS.name(), String.join(",", Deployment.DEFAULT_CHAT_MODELS));
        common.put(Functions.BUCKET, data.bucket().getBucketName());

        Map<String, String> workerEnvironment = new HashMap<>(common);
        workerEnvironment.put(LANE, "gpu");
        workerEnvironment.put(DEVICE, "gpu");
        workerEnvironment.put(MODEL_DIR, "/tmp/ebb-models");
        workerEnvironment.put(DRAIN_SECONDS, String.valueOf(WORKER_STOP_TIMEOUT.toSeconds().intValue() - 10));
        workerEnvironment.put("AWS_REGION", getRegion());
        this.workers = new GpuWorkers(this, "GpuWorkers", new GpuWorkers.Props(settings.instanceType(),
                settings.maxWorkers(), settings.workerDirectory(), workerEnvironment, 12 * 1024, WORKER_STOP_TIMEOUT,
                settings.warmPool()));
        // The worker's rights, and nothing else: its lane's queue, the jobs table, admission's tables, the bucket.
        queues.gpu().queue().grantConsumeMessages(workers.taskDefinition().getTaskRole());
        tables.jobs().grantReadWriteData(workers.taskDefinition().getTaskRole());
        Functions.admissionAtWorker(workers.taskDefinition().getTaskRole(), tables);
        // Exact object actions rather than bucket.grantReadWrite, whose s3:GetObject*, s3:List* are wildcards:
        // large inputs are read from inputs/, large results written under results/, and nothing else.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(workers.taskDefinition().getTaskRole())
                .actions(List.of("s3:GetObject", "s3:GetObjectVersion"))
                .resourceArns(List.of(data.bucket().arnForObjects(DataBucket.INPUTS_PREFIX + "*")))
                .build());
        // A missing input must read as missing (input_missing), not as S3's 403 for a caller that may not list.
        Functions.listObjects(workers.taskDefinition().getTaskRole(), data.bucket());
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(workers.taskDefinition().getTaskRole())
                .actions(List.of("s3:PutObject", "s3:AbortMultipartUpload"))
                .resourceArns(List.of(data.bucket().arnForObjects(DataBucket.RESULTS_PREFIX + "*")))
                .build());

        // Task scale-in protection: the ECS agent endpoint calls UpdateTaskProtection with the task role's
        // credentials; the tasks' ids exist only at run time, hence task/<cluster>/*.
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(workers.taskDefinition().getTaskRole())
                .actions(List.of("ecs:UpdateTaskProtection", "ecs:GetTaskProtection"))
                .resourceArns(List.of(workers.cluster().arnForTasks("*")))
                .build());

        this.functions = new Functions(this, "Functions", new Functions.Props(settings.functionsJar(),
                common, tables, queues, data.bucket(), workers));

        this.api = new Api(this, "Api", new Api.Props(100, 200, functions.submit(), functions.get(),
                functions.cancel(), functions.list(), functions.createUpload(), functions.usage()));
        api.sessions(functions.sessions());

        this.observability = new Observability(this, "Observability", new Observability.Props(
                Map.of("gpu", queues.gpu(), "cpu", queues.cpu()), Duration.seconds(30), Duration.seconds(120),
                settings.queueDepthAlarm(), workers.cluster().getClusterName(), workers.service().getServiceName()));

        output("ApiUrl", api.url(), "Base URL of the HTTP API (append v1/jobs)");
        output("DataBucketName", data.bucket().getBucketName(), "Upload to uploads/<tenant>/<task>/<name> here");
        output("JobsTableName", tables.jobs().getTableName(), "Jobs table");
        output("KeysTableName", tables.keys().getTableName(), "API keys table (ebb keys create writes here)");
        output("CacheTableName", tables.cache().getTableName(), "Result cache table");
        output("TenantsTableName", tables.tenants().getTableName(), "Tenants' limits, switches and spend");
        output("GpuQueueUrl", queues.gpu().queue().getQueueUrl(), "gpu lane queue");
        output("CpuQueueUrl", queues.cpu().queue().getQueueUrl(), "cpu lane queue");
        output("LlmQueueUrl", queues.llm().queue().getQueueUrl(), "llm lane FIFO queue (chat turns)");
        output("SessionsTableName", tables.sessions().getTableName(), "Chat sessions table");
        output("AlarmTopicArn", observability.topic().getTopicArn(), "Subscribe to get the alarms");
        output("RedriveFunctionName", functions.redrive().getFunctionName(), "Invoke to bring dead letters back");
        output("WorkerClusterName", workers.cluster().getClusterName(), "ECS cluster of the GPU workers");
        output("WorkerServiceName", workers.service().getServiceName(), "ECS service the scaler drives");
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }

    public Tables tables() {
        return tables;
    }

    public Queues queues() {
        return queues;
    }

    public DataBucket data() {
        return data;
    }

    public GpuWorkers workers() {
        return workers;
    }

    public Functions functions() {
        return functions;
    }

    public Api api() {
        return api;
    }

    public Observability observability() {
        return observability;
    }
}
