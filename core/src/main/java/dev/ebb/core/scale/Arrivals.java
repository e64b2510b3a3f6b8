package dev.ebb.core.scale;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * The arrival input of {@link ScalingPolicy}: from a running count of the jobs that arrived on a lane, the jobs of
 * the last {@code window} (the cool-down: a worker is kept while the arrivals of the last cool-down need it). Kept
 * by a scaler between its looks; the first look has none (nothing counted yet). Not thread-safe: one scaler's loop.
 */
public final class Arrivals {
    private record Look(Instant at, long arrivedSoFar) {
    }

    private final Duration window;
    private final ArrayDeque<Look> looks = new ArrayDeque<>();

    public Arrivals(Duration window) {
        if (window == null || window.isNegative()) {
            throw new IllegalArgumentException("arrival window " + window);
        }
        this.window = window;
    }

    /**
     * {@code metrics} with the jobs that arrived since the oldest look of the window (or since the previous look,
     * where the window is shorter than the time between looks), given {@code arrivedSoFar}, the running count.
     */
    public ScalingMetrics look(ScalingMetrics metrics, long arrivedSoFar) {
        Instant now = metrics.observedAt();
        // Keep the newest look that is at least a window old: it is where the window starts.
        while (looks.size() > 1 && !Duration.between(second(), now).minus(window).isNegative()) {
            looks.pollFirst();
        }
        Look from = looks.peekFirst();
        looks.addLast(new Look(now, arrivedSoFar));
        if (from == null || !now.isAfter(from.at()) || arrivedSoFar < from.arrivedSoFar()) {
            return metrics;
        }
        return metrics.withArrivals(arrivedSoFar - from.arrivedSoFar(), Duration.between(from.at(), now));
    }

    private Instant second() {
        var iterator = looks.iterator();
        iterator.next();
        return iterator.next().at();
    }
}
