package dev.ebb.core.config;

import dev.ebb.core.api.Limits;
import dev.ebb.core.run.ResultSpill;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * What every deployable reads at start: where the tables and queues are and the limits. Read once from the
 * environment; a missing or bad variable fails start-up with its name. The names are {@link Deployment}'s.
 *
 * @param lease              how long a claim holds a job; keep it below the queue's visibility timeout so that a
 *                           message that comes back finds its lease lapsed
 * @param groupCommitThreads writer threads that group concurrent submits' writes into batch calls; 0 (the
 *                           default, right for Lambda's one request at a time) writes each on its own
 * @param largeResultBytes   results whose JSON is larger go to the object store, and the job item keeps their key
 */
public record Settings(String jobsTable, String keysTable, Map<Lane, String> queueUrls, Limits limits,
                       Duration lease, Duration keyCache, int groupCommitThreads, int largeResultBytes) {
    public static final String JOBS_TABLE = Deployment.JOBS_TABLE.name();
    public static final String KEYS_TABLE = Deployment.KEYS_TABLE.name();
    public static final String GPU_QUEUE_URL = Deployment.GPU_QUEUE_URL.name();
    public static final String CPU_QUEUE_URL = Deployment.CPU_QUEUE_URL.name();
    public static final String LLM_QUEUE_URL = Deployment.LLM_QUEUE_URL.name();
    /** The sessions table: read by the chat task's consumer and the sessions routes (their factory builds it). */
    public static final String SESSIONS_TABLE = Deployment.SESSIONS_TABLE.name();
    public static final String MAX_REQUEST_BYTES = Deployment.MAX_REQUEST_BYTES.name();
    public static final String MAX_INPUT_BYTES = Deployment.MAX_INPUT_BYTES.name();
    /** Inputs above this many bytes go to the object store (EBB_BUCKET) instead of inline in the item and message. */
    public static final String LARGE_INPUT_BYTES = Deployment.LARGE_INPUT_BYTES.name();
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
    public static final String LARGE_RESULT_BYTES = Deployment.LARGE_RESULT_BYTES.name();
    public static final String JOB_TTL_SECONDS = Deployment.JOB_TTL_SECONDS.name();
    public static final String RESULT_TTL_SECONDS = Deployment.RESULT_TTL_SECONDS.name();
    public static final String LEASE_SECONDS = Deployment.LEASE_SECONDS.name();
    public static final String KEY_CACHE_SECONDS = Deployment.KEY_CACHE_SECONDS.name();
    public static final String GROUP_COMMIT_THREADS = Deployment.GROUP_COMMIT_THREADS.name();

    public Settings {
        queueUrls = Map.copyOf(queueUrls);
    }

    public static Settings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        Map<Lane, String> queues = new EnumMap<>(Lane.class);
        for (Deployment.LaneQueues lane : Deployment.LANES) {
            if (lane.lane() == Lane.LLM) {
                // Optional: the gpu worker has no llm work. A function without it refuses chat jobs at submit
                // (400 lane_unavailable: the functions' DependencyFactory), rather than queue them nowhere.
                String url = env.string(lane.urlVariable().name(), null);
                if (url != null) {
                    queues.put(lane.lane(), url);
                }
                continue;
            }
            queues.put(lane.lane(), env.required(lane.urlVariable().name()));
        }
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
                env.string(JOBS_TABLE, Deployment.JOBS.defaultName()),
                env.string(KEYS_TABLE, Deployment.KEYS.defaultName()),
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
