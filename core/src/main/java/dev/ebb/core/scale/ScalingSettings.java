package dev.ebb.core.scale;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Env;
import dev.ebb.core.config.SettingsException;
import java.time.Duration;
import java.util.Map;

/**
 * The parameters of {@link ScalingPolicy}, one record for every place that applies it: the local scaler, the AWS
 * scaler function and the simulator. Read from {@code EBB_SCALE_*} environment variables; a bad value fails at
 * start with the variable's name.
 *
 * @param minWorkers         workers kept even with no work (0: scale to zero)
 * @param maxWorkers         never more than this
 * @param targetWait         the acceptable wait of a job in the queue; the backlog per worker is held at what the
 *                           workers can finish within it
 * @param coolDown           how long demand must stay below the running workers before any is stopped
 * @param startup            a new worker's time to serve its first job (node, image pull, JVM, model load): the
 *                           backlog math counts on the running workers for that long
 * @param jobsPerSecond      one worker's throughput when no fresh measurement is at hand
 * @param staleAfter         metrics (or a throughput measurement) older than this are not trusted: no scale-in on
 *                           them, and the throughput setting replaces the measurement
 * @param interval           how often the scaler applies the policy (the AWS schedule is fixed at one minute; the
 *                           local scaler and the simulator use this)
 */
public record ScalingSettings(int minWorkers, int maxWorkers, Duration targetWait, Duration coolDown,
                              Duration startup, double jobsPerSecond, Duration staleAfter, Duration interval) {
    public static final String MIN_WORKERS = Deployment.SCALE_MIN_WORKERS.name();
    public static final String MAX_WORKERS = Deployment.SCALE_MAX_WORKERS.name();
    public static final String TARGET_WAIT_SECONDS = Deployment.SCALE_TARGET_WAIT_SECONDS.name();
    public static final String COOL_DOWN_SECONDS = Deployment.SCALE_COOL_DOWN_SECONDS.name();
    public static final String STARTUP_SECONDS = Deployment.SCALE_STARTUP_SECONDS.name();
    public static final String JOBS_PER_SECOND = Deployment.SCALE_JOBS_PER_SECOND.name();
    public static final String STALE_SECONDS = Deployment.SCALE_STALE_SECONDS.name();
    public static final String INTERVAL_SECONDS = Deployment.SCALE_INTERVAL_SECONDS.name();

    /**
     * Defaults for a GPU lane on AWS: 0..10 workers, 30 s acceptable wait, 2 min cool-down, and 3 min start-up: a
     * new GPU instance from zero (cluster auto scaling's reaction, launch and boot, the ECS agent, the image pull,
     * the JVM and the model), as estimated in docs/scaling.md.
     */
    public static final ScalingSettings DEFAULTS = new ScalingSettings(0, 10, Duration.ofSeconds(30),
            Duration.ofMinutes(2), Duration.ofSeconds(180), 5.0, Duration.ofMinutes(3), Duration.ofMinutes(1));

    /** Refuses nonsense with the name of the setting at fault. */
    public ScalingSettings {
        if (minWorkers < 0) {
            throw new SettingsException(MIN_WORKERS + "=" + minWorkers + " is negative");
        }
        if (maxWorkers < 1) {
            throw new SettingsException(MAX_WORKERS + "=" + maxWorkers + " must be at least 1");
        }
        if (minWorkers > maxWorkers) {
            throw new SettingsException(MIN_WORKERS + "=" + minWorkers + " exceeds " + MAX_WORKERS + "="
                    + maxWorkers);
        }
        positive(TARGET_WAIT_SECONDS, targetWait);
        notNegative(COOL_DOWN_SECONDS, coolDown);
        notNegative(STARTUP_SECONDS, startup);
        positive(STALE_SECONDS, staleAfter);
        positive(INTERVAL_SECONDS, interval);
        if (!(jobsPerSecond > 0) || Double.isInfinite(jobsPerSecond)) {
            throw new SettingsException(JOBS_PER_SECOND + "=" + jobsPerSecond
                    + " must be a positive number of jobs per second per worker");
        }
    }

    public static ScalingSettings fromEnv(Map<String, String> vars) {
        return fromEnv(vars, DEFAULTS);
    }

    /** The settings in {@code vars}, each missing one taken from {@code defaults}. */
    public static ScalingSettings fromEnv(Map<String, String> vars, ScalingSettings defaults) {
        Env env = new Env(vars);
        int day = 24 * 3600;
        return new ScalingSettings(
                env.integer(MIN_WORKERS, defaults.minWorkers(), 0, 10_000),
                env.integer(MAX_WORKERS, defaults.maxWorkers(), 1, 10_000),
                Duration.ofMillis(Math.round(1000 * env.decimal(TARGET_WAIT_SECONDS,
                        defaults.targetWait().toMillis() / 1000.0, 0, day))),
                Duration.ofMillis(Math.round(1000 * env.decimal(COOL_DOWN_SECONDS,
                        defaults.coolDown().toMillis() / 1000.0, 0, day))),
                Duration.ofMillis(Math.round(1000 * env.decimal(STARTUP_SECONDS,
                        defaults.startup().toMillis() / 1000.0, 0, day))),
                env.decimal(JOBS_PER_SECOND, defaults.jobsPerSecond(), 0, 1e9),
                Duration.ofMillis(Math.round(1000 * env.decimal(STALE_SECONDS,
                        defaults.staleAfter().toMillis() / 1000.0, 0, day))),
                Duration.ofMillis(Math.round(1000 * env.decimal(INTERVAL_SECONDS,
                        defaults.interval().toMillis() / 1000.0, 0, day))));
    }

    /** These settings as the environment variables {@link #fromEnv} reads back. */
    public Map<String, String> toEnv() {
        return Map.of(
                MIN_WORKERS, Integer.toString(minWorkers),
                MAX_WORKERS, Integer.toString(maxWorkers),
                TARGET_WAIT_SECONDS, seconds(targetWait),
                COOL_DOWN_SECONDS, seconds(coolDown),
                STARTUP_SECONDS, seconds(startup),
                JOBS_PER_SECOND, Double.toString(jobsPerSecond),
                STALE_SECONDS, seconds(staleAfter),
                INTERVAL_SECONDS, seconds(interval));
    }

    public ScalingSettings withWorkers(int min, int max) {
        return new ScalingSettings(min, max, targetWait, coolDown, startup, jobsPerSecond, staleAfter, interval);
    }

    private static String seconds(Duration duration) {
        return Double.toString(duration.toMillis() / 1000.0);
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new SettingsException(name + "=" + value + " must be a positive number of seconds");
        }
    }

    private static void notNegative(String name, Duration value) {
        if (value == null || value.isNegative()) {
            throw new SettingsException(name + "=" + value + " must not be negative");
        }
    }
}
