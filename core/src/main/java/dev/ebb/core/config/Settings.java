package dev.ebb.core.config;

import dev.ebb.core.api.Limits;
import dev.ebb.core.run.ResultSpill;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * What every deployable reads at start: where the tables and queues are and the limits. Read once from the
 * environment; a missing or bad variable fails start-up with its name.
 *
 * @param lease              how long a claim holds a job; keep it below the queue's visibility timeout so that a
 *                           message that comes back finds its lease lapsed
 * @param groupCommitThreads writer threads that group concurrent submits' writes into batch calls; 0 (the
 *                           default, right for Lambda's one request at a time) writes each on its own
 * @param largeResultBytes   results whose JSON is larger go to the object store, and the job item keeps their key
 */
public record Settings(String jobsTable, String keysTable, Map<Lane, String> queueUrls, Limits limits,
                       Duration lease, Duration keyCache, int groupCommitThreads, int largeResultBytes) {
    public static final String JOBS_TABLE = "EBB_JOBS_TABLE";
    public static final String KEYS_TABLE = "EBB_KEYS_TABLE";
    public static final String GPU_QUEUE_URL = "EBB_GPU_QUEUE_URL";
    public static final String CPU_QUEUE_URL = "EBB_CPU_QUEUE_URL";
    public static final String MAX_REQUEST_BYTES = "EBB_MAX_REQUEST_BYTES";
    public static final String MAX_INPUT_BYTES = "EBB_MAX_INPUT_BYTES";
    /** Inputs above this many bytes go to the object store (EBB_BUCKET) instead of inline in the item and message. */
    public static final String LARGE_INPUT_BYTES = "EBB_LARGE_INPUT_BYTES";
    /**
     * The most EBB_MAX_INPUT_BYTES may be: a large input travels in one request, and a Lambda function behind API
     * Gateway takes at most 6 MB synchronously (API Gateway itself 10 MB); 5 MiB leaves room for the envelope.
     */
    public static final int MAX_LARGE_INPUT_BYTES = 5 * 1024 * 1024;
    /** The default request bound: the largest input and 256 KiB for the rest of the request and its escaping. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = MAX_LARGE_INPUT_BYTES + 256 * 1024;
    /**
     * Results above this many bytes go to the object store (EBB_BUCKET) instead of into the job item. At most
     * 300 KiB: the item (400 KB) also holds an inline input and the rest of the job.
     */
    public static final String LARGE_RESULT_BYTES = "EBB_LARGE_RESULT_BYTES";
    public static final String JOB_TTL_SECONDS = "EBB_JOB_TTL_SECONDS";
    public static final String RESULT_TTL_SECONDS = "EBB_RESULT_TTL_SECONDS";
    public static final String LEASE_SECONDS = "EBB_LEASE_SECONDS";
    public static final String KEY_CACHE_SECONDS = "EBB_KEY_CACHE_SECONDS";
    public static final String GROUP_COMMIT_THREADS = "EBB_GROUP_COMMIT_THREADS";

    public Settings {
        queueUrls = Map.copyOf(queueUrls);
    }

    public static Settings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        Map<Lane, String> queues = new EnumMap<>(Lane.class);
        queues.put(Lane.GPU, env.required(GPU_QUEUE_URL));
        queues.put(Lane.CPU, env.required(CPU_QUEUE_URL));
        Limits defaults = Limits.DEFAULTS;
        int maxRequest = env.integer(MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_BYTES, 1024, 6 * 1024 * 1024);
        int maxInput = env.integer(MAX_INPUT_BYTES, Math.min(MAX_LARGE_INPUT_BYTES, maxRequest), 1,
                MAX_LARGE_INPUT_BYTES);
        int inlineInput = env.integer(LARGE_INPUT_BYTES, Limits.DEFAULT_INLINE_INPUT_BYTES, 1, 240 * 1024);
        if (maxInput > maxRequest) {
            throw new SettingsException(MAX_INPUT_BYTES + " (" + maxInput + ") exceeds " + MAX_REQUEST_BYTES
                    + " (" + maxRequest + ")");
        }
        return new Settings(
                env.string(JOBS_TABLE, "ebb-jobs"),
                env.string(KEYS_TABLE, "ebb-keys"),
                queues,
                new Limits(maxRequest, maxInput, inlineInput,
                        env.seconds(JOB_TTL_SECONDS, defaults.jobTtl()),
                        env.seconds(RESULT_TTL_SECONDS, defaults.resultTtl())),
                env.seconds(LEASE_SECONDS, Duration.ofSeconds(50)),
                env.seconds(KEY_CACHE_SECONDS, Duration.ofSeconds(30)),
                env.integer(GROUP_COMMIT_THREADS, 0, 0, 16),
                env.integer(LARGE_RESULT_BYTES, ResultSpill.DEFAULT_THRESHOLD_BYTES, 1, 300 * 1024));
    }
}
