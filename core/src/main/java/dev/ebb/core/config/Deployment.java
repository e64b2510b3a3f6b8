package dev.ebb.core.config;

import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every deployment fact in one place: each {@code EBB_*} environment variable, each DynamoDB table (name, key
 * schema, TTL attribute, indexes) and each SQS queue (the lanes' queues and their dead-letter queues). The settings
 * classes read the variables by these names, the local cloud provisions these tables and queues, and tests hold the
 * SAM template and the CDK stack to exactly this list: a table, queue or variable that is not here fails them, and
 * so does one that is here but missing there.
 *
 * <p>Plain values only (no AWS SDK types), so that the CDK app can read it without the SDK on its class path.
 */
public final class Deployment {

    /** Where a deployment's resources are defined. */
    public enum Target {
        /** {@code template.yaml}: the functions, their queues, tables and bucket. */
        SAM,
        /** The CDK stack in {@code infra-cdk/}: everything, GPU workers included. */
        CDK,
        /** The embedded local cloud ({@code local/}). */
        LOCAL
    }

    /** Who sets a variable. */
    public enum Source {
        /** Names what a deployment creates (a table, a queue, the bucket, the scaler): the SAM template and the CDK
         *  stack both set it. The local cloud sets it from what it provisioned. */
        RESOURCE,
        /** A setting with a default in code; a deployment may set it. */
        SETTING,
        /** Set only on one machine: the local cloud's endpoints, test fault injection, local worker processes. */
        LOCAL,
        /** Read by the {@code ebb} command line, never by a deployed process. */
        CLIENT
    }

    /** An environment variable: its name and who sets it. */
    public record Variable(String name, Source source) {
        public Variable {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(source, "source");
            if (!name.matches("EBB_[A-Z0-9_]+")) {
                throw new IllegalArgumentException("not an EBB_ name: " + name);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A DynamoDB attribute type as key schemas use it. */
    public enum AttributeType { S, N }

    /** A key attribute: name and type. */
    public record KeyAttribute(String name, AttributeType type) {
        public KeyAttribute {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }
    }

    /** A global secondary index of a table (on-demand, keys only projected). */
    public record IndexSpec(String name, KeyAttribute hashKey, KeyAttribute rangeKey) {
        public IndexSpec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(hashKey, "hashKey");
            Objects.requireNonNull(rangeKey, "rangeKey");
        }

        /** The index's key attributes, hash then range. */
        public List<KeyAttribute> keys() {
            return List.of(hashKey, rangeKey);
        }
    }

    /**
     * A DynamoDB table: billed per request, with a string hash key and a TTL on {@code ttlAttribute} (epoch
     * seconds).
     *
     * @param id           the table's short name: the SAM template's {@code <id>Table} and the CDK stack's
     *                     {@code Tables/<id>} construct
     * @param nameVariable the variable that tells a process the table's name
     * @param defaultName  the name when that variable is unset (the local cloud's name)
     */
    public record TableSpec(String id, Variable nameVariable, String defaultName, String hashKey, String ttlAttribute,
                            List<IndexSpec> indexes) {
        public TableSpec {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(nameVariable, "nameVariable");
            Objects.requireNonNull(defaultName, "defaultName");
            Objects.requireNonNull(hashKey, "hashKey");
            Objects.requireNonNull(ttlAttribute, "ttlAttribute");
            indexes = List.copyOf(indexes);
        }

        /** Every attribute the table's keys and indexes define, with its type. */
        public Map<String, AttributeType> keyAttributes() {
            return Stream.concat(Stream.of(new KeyAttribute(hashKey, AttributeType.S)),
                            indexes.stream().flatMap(i -> i.keys().stream()))
                    .collect(Collectors.toMap(KeyAttribute::name, KeyAttribute::type, (a, b) -> a,
                            java.util.LinkedHashMap::new));
        }
    }

    /**
     * An SQS queue (standard, encrypted, messages kept 14 days).
     *
     * @param id          the queue's logical id: the SAM template's resource and the CDK construct id
     * @param defaultName the local cloud's name for it
     * @param targets     the deployments that create it
     */
    public record QueueSpec(String id, String defaultName, Set<Target> targets) {
        public QueueSpec {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(defaultName, "defaultName");
            targets = Set.copyOf(targets);
        }

        /** An SQS FIFO queue: SQS requires its name to end in {@code .fifo}, so the name says it. */
        public boolean fifo() {
            return defaultName.endsWith(".fifo");
        }
    }

    /**
     * A lane's queue and its dead-letter queue: a message received {@link #MAX_RECEIVE_COUNT} times moves there.
     *
     * @param urlVariable the variable that tells a process the lane queue's URL
     */
    public record LaneQueues(Lane lane, Variable urlVariable, QueueSpec queue, QueueSpec deadLetters) {
        public LaneQueues {
            Objects.requireNonNull(lane, "lane");
            Objects.requireNonNull(urlVariable, "urlVariable");
            Objects.requireNonNull(queue, "queue");
            Objects.requireNonNull(deadLetters, "deadLetters");
        }
    }

    // ---------------------------------------------------------------------------------------- variables: resources
    public static final Variable JOBS_TABLE = resource("EBB_JOBS_TABLE");
    public static final Variable KEYS_TABLE = resource("EBB_KEYS_TABLE");
    public static final Variable GPU_QUEUE_URL = resource("EBB_GPU_QUEUE_URL");
    public static final Variable CPU_QUEUE_URL = resource("EBB_CPU_QUEUE_URL");
    /** The data bucket: uploads, large inputs and results. Unset, large inputs are refused and such jobs fail. */
    public static final Variable BUCKET = resource("EBB_BUCKET");
    /** The gpu workers' ECS cluster and service, whose desired count the scaler function sets. */
    public static final Variable ECS_CLUSTER = resource("EBB_ECS_CLUSTER");
    public static final Variable ECS_SERVICE = resource("EBB_ECS_SERVICE");
    /** The scaler function the submit function wakes when the gpu lane has no worker. */
    public static final Variable SCALER_FUNCTION = resource("EBB_SCALER_FUNCTION");
    /** The llm lane's FIFO queue (chat turns); optional where a deployable has no llm work (the gpu worker). */
    public static final Variable LLM_QUEUE_URL = resource("EBB_LLM_QUEUE_URL");
    /** Conversations of the chat task: turns, usage, TTL refreshed on every turn. */
    public static final Variable SESSIONS_TABLE = resource("EBB_SESSIONS_TABLE");
    /** The result cache's table (exact answers by cache key). */
    public static final Variable CACHE_TABLE = resource("EBB_CACHE_TABLE");
    /** Tenants' limits, switches and counters, the service's switch, the lanes' completion counters. */
    public static final Variable TENANTS_TABLE = resource("EBB_TENANTS_TABLE");

    // ---------------------------------------------------------------------------------------- variables: settings
    public static final Variable MAX_REQUEST_BYTES = setting("EBB_MAX_REQUEST_BYTES");
    public static final Variable MAX_INPUT_BYTES = setting("EBB_MAX_INPUT_BYTES");
    public static final Variable LARGE_INPUT_BYTES = setting("EBB_LARGE_INPUT_BYTES");
    public static final Variable LARGE_RESULT_BYTES = setting("EBB_LARGE_RESULT_BYTES");
    public static final Variable JOB_TTL_SECONDS = setting("EBB_JOB_TTL_SECONDS");
    public static final Variable RESULT_TTL_SECONDS = setting("EBB_RESULT_TTL_SECONDS");
    public static final Variable LEASE_SECONDS = setting("EBB_LEASE_SECONDS");
    public static final Variable KEY_CACHE_SECONDS = setting("EBB_KEY_CACHE_SECONDS");
    public static final Variable GROUP_COMMIT_THREADS = setting("EBB_GROUP_COMMIT_THREADS");
    public static final Variable MAX_TEXTS_PER_JOB = setting("EBB_MAX_TEXTS_PER_JOB");
    /** Lanes nothing consumes in this deployment (SAM: gpu); their jobs are refused at submit. */
    public static final Variable UNAVAILABLE_LANES = setting("EBB_UNAVAILABLE_LANES");
    /** Log level of the functions, the worker and the command line (their logback files read it). */
    public static final Variable LOG_LEVEL = setting("EBB_LOG_LEVEL");
    // Admission control and the result cache (dev.ebb.core.config.AdmissionSettings).
    public static final Variable CACHE_TTL_SECONDS = setting("EBB_CACHE_TTL_SECONDS");
    public static final Variable CACHE_LOCAL_ENTRIES = setting("EBB_CACHE_LOCAL_ENTRIES");
    /** true: results of public models are shared by every tenant (keyed without the tenant). Default false. */
    public static final Variable CACHE_SHARE_PUBLIC = setting("EBB_CACHE_SHARE_PUBLIC");
    /** How long a process trusts what it read of a tenant's limits and switches (and the service's switch). */
    public static final Variable POLICY_CACHE_SECONDS = setting("EBB_POLICY_CACHE_SECONDS");
    /** How long an unknown API key is remembered as unknown (no table read for it meanwhile). */
    public static final Variable NEGATIVE_KEY_CACHE_SECONDS = setting("EBB_NEGATIVE_KEY_CACHE_SECONDS");
    /** A lane whose backlog (waiting + in flight) is over this refuses new work with 503 overloaded. */
    public static final Variable OVERFLOW_MAX_DEPTH = setting("EBB_OVERFLOW_MAX_DEPTH");
    // The semantic cache's (dev.ebb.core.cache.SemanticSettings), read by the workers.
    /** The cosine similarity from which an earlier answer is given by meaning (default 0.95). */
    public static final Variable SEMANTIC_THRESHOLD = setting("EBB_SEMANTIC_THRESHOLD");
    /** The fraction of semantic hits run again in the background to measure the false-hit rate (default 0.05). */
    public static final Variable SEMANTIC_SAMPLE = setting("EBB_SEMANTIC_SAMPLE");
    /** Entries per partition in each worker's in-process index (default 1,000; 0: the semantic cache is off). */
    public static final Variable SEMANTIC_ENTRIES = setting("EBB_SEMANTIC_ENTRIES");
    public static final Variable SCALE_MIN_WORKERS = setting("EBB_SCALE_MIN_WORKERS");
    public static final Variable SCALE_MAX_WORKERS = setting("EBB_SCALE_MAX_WORKERS");
    public static final Variable SCALE_TARGET_WAIT_SECONDS = setting("EBB_SCALE_TARGET_WAIT_SECONDS");
    public static final Variable SCALE_COOL_DOWN_SECONDS = setting("EBB_SCALE_COOL_DOWN_SECONDS");
    public static final Variable SCALE_STARTUP_SECONDS = setting("EBB_SCALE_STARTUP_SECONDS");
    public static final Variable SCALE_JOBS_PER_SECOND = setting("EBB_SCALE_JOBS_PER_SECOND");
    public static final Variable SCALE_STALE_SECONDS = setting("EBB_SCALE_STALE_SECONDS");
    public static final Variable SCALE_INTERVAL_SECONDS = setting("EBB_SCALE_INTERVAL_SECONDS");
    // The worker's.
    public static final Variable LANE = setting("EBB_LANE");
    public static final Variable MAX_BATCH_SIZE = setting("EBB_MAX_BATCH_SIZE");
    public static final Variable MAX_BATCH_DELAY_MS = setting("EBB_MAX_BATCH_DELAY_MS");
    public static final Variable POLLERS = setting("EBB_POLLERS");
    public static final Variable RUNNERS = setting("EBB_RUNNERS");
    public static final Variable DRAIN_SECONDS = setting("EBB_DRAIN_SECONDS");
    public static final Variable POLL_WAIT_SECONDS = setting("EBB_POLL_WAIT_SECONDS");
    public static final Variable VISIBILITY_SECONDS = setting("EBB_VISIBILITY_SECONDS");
    /**
     * How long a job may wait QUEUED with no run before its message is sent again, by an idempotent replay or the
     * reconciler (seconds; default the longest lane visibility timeout, 180).
     */
    public static final Variable RESEND_AFTER_SECONDS = setting("EBB_RESEND_AFTER_SECONDS");
    public static final Variable PROTECTION_MINUTES = setting("EBB_PROTECTION_MINUTES");
    public static final Variable MODEL = setting("EBB_MODEL");
    public static final Variable DEVICE = setting("EBB_DEVICE");
    public static final Variable MODEL_DIR = setting("EBB_MODEL_DIR");
    /**
     * ONNX Runtime's intra-op threads for each model session (default 0: its own choice, one per core). 1 keeps the
     * model on the core it is pinned to, as {@code ebb bench embed} does to compare the worker with the raw model.
     */
    public static final Variable MODEL_THREADS = setting("EBB_MODEL_THREADS");
    // The chat task's (dev.ebb.core.task.chat.ChatSettings).
    /** The Bedrock model id a chat turn uses when it names none. */
    public static final Variable CHAT_MODEL = setting("EBB_CHAT_MODEL");
    /** Comma-separated model ids a request may name (the default is always allowed); IAM grants exactly these. */
    public static final Variable CHAT_MODELS = setting("EBB_CHAT_MODELS");
    /** The most output tokens a turn may ask for. */
    public static final Variable CHAT_MAX_TOKENS = setting("EBB_CHAT_MAX_TOKENS");
    /** The highest temperature a turn may ask for (Bedrock's own range is 0 to 1). */
    public static final Variable CHAT_MAX_TEMPERATURE = setting("EBB_CHAT_MAX_TEMPERATURE");
    /** How many (estimated) tokens of earlier turns are sent with a turn; older turns are left out first. */
    public static final Variable CHAT_HISTORY_TOKENS = setting("EBB_CHAT_HISTORY_TOKENS");
    /** The stable prefix's size (estimated tokens) from which a Bedrock cachePoint is added; 0: never. */
    public static final Variable CHAT_CACHE_MIN_TOKENS = setting("EBB_CHAT_CACHE_MIN_TOKENS");
    /**
     * The chat models a deployment allows when {@code EBB_CHAT_MODELS} does not say (the first is the default,
     * {@code EBB_CHAT_MODEL}): what the SAM template and the CDK stack grant {@code bedrock:InvokeModel*} on.
     */
    public static final List<String> DEFAULT_CHAT_MODELS = List.of("amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0");
    /** USD per million tokens by model: {@code model=input/output/cacheRead/cacheWrite;...}. */
    public static final Variable CHAT_PRICES = setting("EBB_CHAT_PRICES");
    /** How long a session lives after its last turn. */
    public static final Variable SESSION_TTL_SECONDS = setting("EBB_SESSION_TTL_SECONDS");

    // ---------------------------------------------------------------------------------------- variables: one machine
    /** Endpoint overrides: set, a client talks to this URL instead of the region's endpoint (the local cloud). */
    public static final Variable DYNAMODB_ENDPOINT = local("EBB_DYNAMODB_ENDPOINT");
    public static final Variable SQS_ENDPOINT = local("EBB_SQS_ENDPOINT");
    /** Set, the S3 client also addresses buckets path-style (the local store has no per-bucket host names). */
    public static final Variable S3_ENDPOINT = local("EBB_S3_ENDPOINT");
    public static final Variable ECS_ENDPOINT = local("EBB_ECS_ENDPOINT");
    public static final Variable LAMBDA_ENDPOINT = local("EBB_LAMBDA_ENDPOINT");
    /** The local cloud's Bedrock stand-in (Converse and ConverseStream on 127.0.0.1). */
    public static final Variable BEDROCK_ENDPOINT = local("EBB_BEDROCK_ENDPOINT");
    /** JVM options of the local cloud's worker processes. */
    public static final Variable WORKER_JAVA_OPTIONS = local("EBB_WORKER_JAVA_OPTIONS");
    /** The Dynoxide binary the local cloud and the tests start (set by {@code ./ebb}; default: its cache folder). */
    public static final Variable DYNOXIDE = local("EBB_DYNOXIDE");
    /** Fault injection of the fault suite: a worker armed with these crashes on purpose. */
    public static final Variable FAULT_CRASH_POINT = local("EBB_FAULT_CRASH_POINT");
    public static final Variable FAULT_CRASH_PROBABILITY = local("EBB_FAULT_CRASH_PROBABILITY");
    public static final Variable FAULT_POISON_TEXT = local("EBB_FAULT_POISON_TEXT");
    /** The key the function cold-start benchmark hands its fresh submit-function JVM. */
    public static final Variable BENCH_API_KEY = local("EBB_BENCH_API_KEY");

    // ---------------------------------------------------------------------------------------- variables: the client
    public static final Variable URL = client("EBB_URL");
    public static final Variable API_KEY = client("EBB_API_KEY");

    /** Every variable, in the order above. */
    public static final List<Variable> VARIABLES = List.of(
            JOBS_TABLE, KEYS_TABLE, GPU_QUEUE_URL, CPU_QUEUE_URL, BUCKET, ECS_CLUSTER, ECS_SERVICE, SCALER_FUNCTION,
            LLM_QUEUE_URL, SESSIONS_TABLE,
            CACHE_TABLE, TENANTS_TABLE,
            MAX_REQUEST_BYTES, MAX_INPUT_BYTES, LARGE_INPUT_BYTES, LARGE_RESULT_BYTES, JOB_TTL_SECONDS,
            RESULT_TTL_SECONDS, LEASE_SECONDS, KEY_CACHE_SECONDS, GROUP_COMMIT_THREADS, MAX_TEXTS_PER_JOB,
            UNAVAILABLE_LANES, LOG_LEVEL,
            CACHE_TTL_SECONDS, CACHE_LOCAL_ENTRIES, CACHE_SHARE_PUBLIC, POLICY_CACHE_SECONDS,
            NEGATIVE_KEY_CACHE_SECONDS, OVERFLOW_MAX_DEPTH, SEMANTIC_THRESHOLD, SEMANTIC_SAMPLE, SEMANTIC_ENTRIES,
            SCALE_MIN_WORKERS, SCALE_MAX_WORKERS, SCALE_TARGET_WAIT_SECONDS, SCALE_COOL_DOWN_SECONDS,
            SCALE_STARTUP_SECONDS, SCALE_JOBS_PER_SECOND, SCALE_STALE_SECONDS, SCALE_INTERVAL_SECONDS,
            LANE, MAX_BATCH_SIZE, MAX_BATCH_DELAY_MS, POLLERS, RUNNERS, DRAIN_SECONDS, POLL_WAIT_SECONDS,
            VISIBILITY_SECONDS, PROTECTION_MINUTES, MODEL, DEVICE, MODEL_DIR, MODEL_THREADS, RESEND_AFTER_SECONDS,
            CHAT_MODEL, CHAT_MODELS, CHAT_MAX_TOKENS, CHAT_MAX_TEMPERATURE, CHAT_HISTORY_TOKENS, CHAT_CACHE_MIN_TOKENS,
            CHAT_PRICES, SESSION_TTL_SECONDS,
            DYNAMODB_ENDPOINT, SQS_ENDPOINT, S3_ENDPOINT, ECS_ENDPOINT, LAMBDA_ENDPOINT, WORKER_JAVA_OPTIONS, DYNOXIDE,
            BEDROCK_ENDPOINT,
            FAULT_CRASH_POINT, FAULT_CRASH_PROBABILITY, FAULT_POISON_TEXT, BENCH_API_KEY,
            URL, API_KEY);

    // ---------------------------------------------------------------------------------------- tables
    /** Every item's expiry, epoch seconds: the TTL attribute of every table. */
    public static final String TTL_ATTRIBUTE = "expiresAt";

    /**
     * The jobs table's sparse index of dead-lettered jobs awaiting redrive, keyed by lane and the time they were
     * dead-lettered (epoch milliseconds); see {@code dev.ebb.core.job.DeadLetterIndex}.
     */
    public static final IndexSpec DEAD_LETTER_INDEX = new IndexSpec("deadLettered",
            new KeyAttribute("deadLetterLane", AttributeType.S), new KeyAttribute("deadLetteredAt", AttributeType.N));

    /** Jobs, their results, and the scaler's state item. */
    /**
     * Every job by tenant and creation time, keys only, for {@code GET /v1/jobs}: both keys are written once, when
     * the job is created, so a job costs the index one write.
     */
    public static final IndexSpec TENANT_INDEX = new IndexSpec("byTenant",
            new KeyAttribute("tenant", AttributeType.S), new KeyAttribute("createdAt", AttributeType.N));
    /**
     * The jobs table's sparse index of jobs QUEUED with no run, keyed by lane and the time the job was queued (or its
     * message last sent again), epoch milliseconds: the attributes exist only while the job is QUEUED and unclaimed,
     * so the reconciler finds stranded jobs without a scan; see {@code dev.ebb.core.job.QueuedIndex}.
     */
    public static final IndexSpec QUEUED_INDEX = new IndexSpec("queued",
            new KeyAttribute("queuedLane", AttributeType.S), new KeyAttribute("queuedAt", AttributeType.N));
    public static final TableSpec JOBS = new TableSpec("Jobs", JOBS_TABLE, "ebb-jobs", "jobId", TTL_ATTRIBUTE,
            List.of(DEAD_LETTER_INDEX, TENANT_INDEX, QUEUED_INDEX));
    /** API keys by the SHA-256 of the key. */
    public static final TableSpec KEYS = new TableSpec("Keys", KEYS_TABLE, "ebb-keys", "keyHash", TTL_ATTRIBUTE,
            List.of());

    /**
     * Chat sessions by {@code <tenant>/<session id>} (one item per session: its turns, usage and cost), so a session
     * id names a different conversation for each tenant and no tenant can reach another's.
     */
    public static final TableSpec SESSIONS = new TableSpec("Sessions", SESSIONS_TABLE, "ebb-sessions", "sessionKey",
            TTL_ATTRIBUTE, List.of());

    /** Cached results by cache key (a digest of scope, task, model and version, canonical input). */
    public static final TableSpec CACHE = new TableSpec("Cache", CACHE_TABLE, "ebb-cache", "cacheKey",
            TTL_ATTRIBUTE, List.of());
    /**
     * One item per tenant (limits, kill switch, rate bucket, budget counters, usage), {@code *} for the whole
     * service's switch, and {@code lane#<lane>} for each lane's completion counter; see
     * {@code dev.ebb.core.tenant.DynamoDbTenantStore}.
     */
    public static final TableSpec TENANTS = new TableSpec("Tenants", TENANTS_TABLE, "ebb-tenants", "tenant",
            TTL_ATTRIBUTE, List.of());

    /** Every table, in every deployment. */
    public static final List<TableSpec> TABLES = List.of(JOBS, KEYS, SESSIONS, CACHE, TENANTS);

    // ---------------------------------------------------------------------------------------- functions
    /**
     * The API functions' Lambda timeout (SAM's Globals, the CDK stack's API functions): at least
     * {@link #SUBMIT_SEQUENTIAL_CALLS} × {@link #SDK_CALL_TIMEOUT} (21 s) with room for the handler's own work, and
     * below API Gateway's 30 s integration limit, so that a submit whose every call is slow ends in the handler's own
     * 503, never in a Lambda timeout or the gateway's 504. Raised (from 10 s) rather than cutting the per-call
     * timeouts to fit: those apply to every call of every function — the queue worker's batch writes, a large
     * input's or result's object — and a dependency that answers in 1.4 s is slow, not down. The timeout is only the
     * cap on a submit whose calls are all that slow; a usual one makes a few calls of milliseconds.
     */
    public static final Duration API_FUNCTION_TIMEOUT = Duration.ofSeconds(25);
    /** The most an API function may run: API Gateway (HTTP API) answers 504 after 30 s whatever the function does. */
    public static final Duration API_GATEWAY_INTEGRATION_LIMIT = Duration.ofSeconds(30);
    /** One AWS SDK call of a function, all its attempts together; and one attempt. */
    public static final Duration SDK_CALL_TIMEOUT = Duration.ofMillis(1500);
    public static final Duration SDK_ATTEMPT_TIMEOUT = Duration.ofMillis(1000);
    /**
     * The most SDK calls a submit makes one after another, each cache cold (docs/architecture.md, "Cost of a
     * submit"): the key (1); the service's switch and the tenant's item (2, each at most once per
     * {@code EBB_POLICY_CACHE_SECONDS}); the result cache's table (1, on a miss of the process's own tier); the tenant
     * charge — rate token and reservation in one write, a second where this process guessed the bucket's state wrong,
     * a third where another request moved it in between (3, {@code DynamoDbTenantStore.CHARGE_ATTEMPTS}); the lane's
     * depth and drain counter (2, at most once a second); a large input's put (1); then four: the create, the send
     * and the scaler's wake (its state read and the invoke) — or, where the send fails, the create, the send, the
     * job's removal and the reservation's release; or a replay's create, mark, send (or find) and release. Times
     * {@link #SDK_CALL_TIMEOUT} it must fit in {@link #API_FUNCTION_TIMEOUT}, so that a slow dependency is a 503 the
     * handler answers, not a Lambda timeout (a 500 with no body) that leaves a half-done submit behind.
     */
    public static final int SUBMIT_SEQUENTIAL_CALLS = 14;

    // ---------------------------------------------------------------------------------------- queues
    /**
     * Receives before a lane's message moves to its dead-letter queue: the outer safety net only. A worker that dies
     * counts a receive against every message it holds, so receives overstate runs; the runner counts runs on the job
     * item and ends a poison job after {@link #MAX_RUNS} (dev.ebb.core.run.CrashPolicy).
     */
    public static final int MAX_RECEIVE_COUNT = 50;
    /**
     * Runs of a job that may end with its worker dying before the runner takes it as poison and ends it FAILED
     * {@code dead_lettered}: the first may share a batch, the rest run alone.
     */
    public static final int MAX_RUNS = 5;

    public static final LaneQueues GPU = lane(Lane.GPU, GPU_QUEUE_URL);
    public static final LaneQueues CPU = lane(Lane.CPU, CPU_QUEUE_URL);
    /** The llm lane: FIFO queue and FIFO dead-letter queue ({@code ebb-llm.fifo}, {@code ebb-llm-dlq.fifo}). */
    public static final LaneQueues LLM = lane(Lane.LLM, LLM_QUEUE_URL);
    /** Every lane's queues. */
    public static final List<LaneQueues> LANES = List.of(GPU, CPU, LLM);

    /**
     * The most chat turns that run at once (the llm consumer's reserved concurrency on AWS, its pollers locally):
     * size it to the account's Bedrock quota, so that a burst waits in the queue rather than being throttled.
     */
    public static final int LLM_CONCURRENCY = 4;

    /**
     * Where S3's asynchronous invocations of the upload function go once Lambda's retries failed. The CDK stack's
     * alone: SAM's upload function has no such queue, and locally the upload is invoked synchronously.
     */
    public static final QueueSpec UPLOAD_FAILURES = new QueueSpec("UploadFailures", "ebb-upload-failures",
            EnumSet.of(Target.CDK));

    /** Every queue: each lane's queue and dead-letter queue, then the rest. */
    public static final List<QueueSpec> QUEUES = Stream.concat(
                    LANES.stream().flatMap(l -> Stream.of(l.queue(), l.deadLetters())), Stream.of(UPLOAD_FAILURES))
            .toList();

    /** The object-store bucket's name where no deployment names it (the local cloud). */
    public static final String LOCAL_BUCKET = "ebb-data";

    private static final Map<String, Variable> BY_NAME = VARIABLES.stream()
            .collect(Collectors.toUnmodifiableMap(Variable::name, Function.identity()));

    private Deployment() {
    }

    /** The variable named {@code name}, if it is one of {@link #VARIABLES}. */
    public static Optional<Variable> variable(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The variables of one source. */
    public static List<Variable> variables(Source source) {
        return VARIABLES.stream().filter(v -> v.source() == source).toList();
    }

    /** The queues {@code target} creates. */
    public static List<QueueSpec> queues(Target target) {
        return QUEUES.stream().filter(q -> q.targets().contains(target)).toList();
    }

    /** The queues of {@code lane}. */
    public static LaneQueues lane(Lane lane) {
        return LANES.stream().filter(l -> l.lane() == lane).findFirst().orElseThrow();
    }

    private static LaneQueues lane(Lane lane, Variable urlVariable) {
        String title = lane.id().substring(0, 1).toUpperCase(java.util.Locale.ROOT) + lane.id().substring(1);
        Set<Target> everywhere = EnumSet.allOf(Target.class);
        String suffix = lane.fifo() ? ".fifo" : ""; // a FIFO queue's DLQ must be FIFO too
        return new LaneQueues(lane, urlVariable,
                new QueueSpec(title + "Queue", "ebb-" + lane.id() + suffix, everywhere),
                new QueueSpec(title + "DeadLetterQueue", "ebb-" + lane.id() + "-dlq" + suffix, everywhere));
    }

    private static Variable resource(String name) {
        return new Variable(name, Source.RESOURCE);
    }

    private static Variable setting(String name) {
        return new Variable(name, Source.SETTING);
    }

    private static Variable local(String name) {
        return new Variable(name, Source.LOCAL);
    }

    private static Variable client(String name) {
        return new Variable(name, Source.CLIENT);
    }
}
