package dev.ebb.core.metrics;

import java.util.List;
import java.util.Map;

/**
 * Where metrics go: the port through which core records them, knowing nothing of Lambda, ECS or the local cloud.
 * The functions flush through Powertools at the end of each invocation, the gpu worker writes EMF lines to stdout on
 * a timer, the local runtime keeps recent values for its dashboard.
 *
 * <p>{@link #record} is called on the request path: an implementation must not block or do I/O there (buffer, and
 * write in {@link #flush}).
 */
public interface MetricsSink {
    /**
     * Records one value of {@code metric}. {@code dimensions} holds a value for each of the metric's
     * {@link Metric#dimensions()} (more are ignored).
     */
    void record(Metric metric, double value, Map<String, String> dimensions);

    /** Writes out what was recorded since the last flush; a sink that writes nothing does nothing. */
    default void flush() {
    }

    /** Records nothing. */
    MetricsSink NONE = (metric, value, dimensions) -> {
    };

    /** Each value goes to every one of {@code sinks}; a flush flushes them all. */
    static MetricsSink all(List<MetricsSink> sinks) {
        List<MetricsSink> copy = List.copyOf(sinks);
        return new MetricsSink() {
            @Override
            public void record(Metric metric, double value, Map<String, String> dimensions) {
                for (MetricsSink sink : copy) {
                    sink.record(metric, value, dimensions);
                }
            }

            @Override
            public void flush() {
                copy.forEach(MetricsSink::flush);
            }
        };
    }
}
