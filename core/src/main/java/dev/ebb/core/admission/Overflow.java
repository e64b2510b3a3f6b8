package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;

/**
 * Refuses new work for a lane whose backlog is over {@code maxDepth} ({@code 503 overloaded}), with a Retry-After of
 * the time the excess takes to drain at the measured rate ({@link LaneBacklog}); below it, notes the backlog's ETA
 * (depth ÷ drain rate) for the 202.
 */
public final class Overflow implements AdmissionStep {
    private final LaneBacklog backlog;
    private final long maxDepth;

    public Overflow(LaneBacklog backlog, long maxDepth) {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth must be at least 1");
        }
        this.backlog = backlog;
        this.maxDepth = maxDepth;
    }

    @Override
    public Stage stage() {
        return Stage.OVERFLOW;
    }

    @Override
    public Decision admit(Admission submit) {
        LaneBacklog.Snapshot lane = backlog.snapshot(submit.task().lane());
        if (lane.depth() > maxDepth) {
            // The lane takes work again once it has drained below the limit: the excess ÷ the drain rate.
            long retryAfter = Math.max(1, lane.drainTime(lane.depth() - maxDepth).toSeconds());
            return Decision.reject(ApiException.unavailable("overloaded", "the " + submit.task().lane().id()
                    + " lane holds " + lane.depth() + " jobs (limit " + maxDepth + "), draining at "
                    + String.format(java.util.Locale.ROOT, "%.1f", lane.drainPerSecond()) + " per second; retry after "
                    + retryAfter + " s", retryAfter));
        }
        submit.eta(lane.eta());
        return Decision.pass();
    }
}
