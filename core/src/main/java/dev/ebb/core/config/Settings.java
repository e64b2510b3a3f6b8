package dev.ebb.core.config;

import dev.ebb.core.api.Limits;
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
 */
public record Settings(String jobsTable, String keysTable, Map<Lane, String> queueUrls, Limits limits,
                       Duration lease, Duration keyCache, int groupCommitThreads) {
    public static final String JOBS_TABLE = "EBB_JOBS_TABLE";
    public static final String KEYS_TABLE = "EBB_KEYS_TABLE";
    public static final String GPU_QUEUE_URL = "EBB_GPU_QUEUE_URL";
    public static final String CPU_QUEUE_URL = "EBB_CPU_QUEUE_URL";
    public static final String MAX_REQUEST_BYTES = "EBB_MAX_REQUEST_BYTES";
    public static final String MAX_INPUT_BYTES = "EBB_MAX_INPUT_BYTES";
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
        int maxRequest = env.integer(MAX_REQUEST_BYTES, defaults.maxRequestBytes(), 1024, 6 * 1024 * 1024);
        int maxInput = env.integer(MAX_INPUT_BYTES, defaults.maxInputBytes(), 1, 240 * 1024);
        if (maxInput > maxRequest) {
            throw new SettingsException(MAX_INPUT_BYTES + " (" + maxInput + ") exceeds " + MAX_REQUEST_BYTES
                    + " (" + maxRequest + ")");
        }
        return new Settings(
                env.string(JOBS_TABLE, "ebb-jobs"),
                env.string(KEYS_TABLE, "ebb-keys"),
                queues,
                new Limits(maxRequest, maxInput,
                        env.seconds(JOB_TTL_SECONDS, defaults.jobTtl()),
                        env.seconds(RESULT_TTL_SECONDS, defaults.resultTtl())),
                env.seconds(LEASE_SECONDS, Duration.ofSeconds(50)),
                env.seconds(KEY_CACHE_SECONDS, Duration.ofSeconds(30)),
                env.integer(GROUP_COMMIT_THREADS, 0, 0, 16));
    }
}
