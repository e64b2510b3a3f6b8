package dev.ebb.local.runtime;

import dev.ebb.core.config.Settings;
import dev.ebb.core.scale.ScalingPolicy;
import dev.ebb.core.scale.ScalingSettings;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Wires a {@link LocalScaler} to a {@link LocalRuntime}: the workers' environment, JVM options and the queue. */
public final class LocalScalers {
    /**
     * The local cloud's policy defaults: 0..4 workers; a worker JVM starts in about a second, so a short cool-down
     * and a scaler that looks every second. The math task runs thousands of jobs a second per worker.
     */
    public static final ScalingSettings LOCAL_DEFAULTS = new ScalingSettings(0, 4, Duration.ofSeconds(5),
            Duration.ofSeconds(30), Duration.ofSeconds(2), 200, Duration.ofSeconds(10), Duration.ofMillis(500));

    /** Extra JVM options for the local worker processes. */
    static final String WORKER_JAVA_OPTIONS = "EBB_WORKER_JAVA_OPTIONS";

    private LocalScalers() {
    }

    static LocalScaler create(LocalRuntime runtime, ScalingSettings scaling) throws IOException {
        Map<String, String> env = new HashMap<>(runtime.env());
        // The child JVMs read credentials from the environment, as an ECS task reads its role's.
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        env.keySet().removeIf(name -> name.equals(Settings.GROUP_COMMIT_THREADS));
        List<String> jvmOptions = new ArrayList<>();
        // The scaler reads the workers' output (their start, their timings) whatever this process logs.
        // A URL: the worker's class path is its own (WorkerClassPath), which does not hold this module's resources.
        jvmOptions.add("-Dlogback.configurationFile=" + LocalScalers.class.getResource("/worker-logback.xml"));
        jvmOptions.add("-XX:+UseSerialGC"); // one small heap per worker process; starts fastest
        // Extra options for the worker JVMs (e.g. a class-data archive), split on spaces.
        String extra = System.getenv(WORKER_JAVA_OPTIONS);
        if (extra != null && !extra.isBlank()) {
            jvmOptions.addAll(List.of(extra.strip().split("\\s+")));
        }
        WorkerAotCache aot = WorkerAotCache.in(WorkerAotCache.userCacheDir(), WorkerClassPath.get());
        return new LocalScaler(new ScalingPolicy(scaling), runtime.cloud().sqsClient(),
                runtime.env().get(Settings.GPU_QUEUE_URL), env, jvmOptions, aot, Clock.systemUTC());
    }
}
