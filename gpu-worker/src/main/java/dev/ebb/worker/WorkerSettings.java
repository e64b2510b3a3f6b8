package dev.ebb.worker;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Env;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.Map;

/**
 * How a worker takes work: its lane, the dynamic batch (up to {@code maxBatchSize} units, a job being one unit
 * or, for the embedding tasks, one per text; or {@code maxBatchDelay}
 * after the first, whichever comes first), how many long-pollers feed it and how many batches run at once.
 * {@code pollWait} is the SQS long-poll wait (at most 20 s); a drain waits for the polls in flight, so a process
 * that must stop quickly (the local cloud) uses a short one. {@code visibility} is how long a received message
 * stays hidden; while the worker holds it, a heartbeat every third of that extends it and the job's lease.
 */
public record WorkerSettings(Lane lane, int maxBatchSize, Duration maxBatchDelay, int pollers, int runners,
                             Duration pollWait, Duration drainDeadline, Duration visibility) {
    public static final String LANE = Deployment.LANE.name();
    public static final String MAX_BATCH_SIZE = Deployment.MAX_BATCH_SIZE.name();
    public static final String MAX_BATCH_DELAY_MS = Deployment.MAX_BATCH_DELAY_MS.name();
    public static final String POLLERS = Deployment.POLLERS.name();
    public static final String RUNNERS = Deployment.RUNNERS.name();
    public static final String DRAIN_SECONDS = Deployment.DRAIN_SECONDS.name();
    public static final String POLL_WAIT_SECONDS = Deployment.POLL_WAIT_SECONDS.name();
    public static final String VISIBILITY_SECONDS = Deployment.VISIBILITY_SECONDS.name();

    public static WorkerSettings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        Lane lane;
        try {
            lane = Lane.fromId(env.string(LANE, "gpu"));
        } catch (IllegalArgumentException e) {
            throw new SettingsException(LANE + ": " + e.getMessage());
        }
        return new WorkerSettings(lane,
                env.integer(MAX_BATCH_SIZE, 32, 1, 1024),
                env.millis(MAX_BATCH_DELAY_MS, Duration.ofMillis(10)),
                env.integer(POLLERS, 2, 1, 64),
                env.integer(RUNNERS, 2, 1, 64),
                env.seconds(POLL_WAIT_SECONDS, Duration.ofSeconds(20)),
                env.seconds(DRAIN_SECONDS, Duration.ofSeconds(30)),
                env.seconds(VISIBILITY_SECONDS, Duration.ofSeconds(60)));
    }
}
