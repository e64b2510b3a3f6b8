package dev.ebb.core.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Values recorded since the last drain, grouped by metric and dimension values: what an EMF writer turns into one
 * line per group. Recording takes a short lock and allocates a little; nothing here does I/O. A group keeps at most
 * {@link #MAX_VALUES_PER_SERIES} values between drains (more are counted in {@link #dropped()}), so a sink that is
 * never flushed cannot grow without bound.
 */
public final class MetricsBuffer implements MetricsSink {
    public static final int MAX_VALUES_PER_SERIES = 10_000;

    /** One metric with one combination of dimension values, and its values in the order recorded. */
    public record Series(Metric metric, Map<String, String> dimensions, double[] values) {
    }

    private record Key(Metric metric, Map<String, String> dimensions) {
    }

    private final Object lock = new Object();
    private Map<Key, List<Double>> series = new LinkedHashMap<>();
    private long dropped;

    @Override
    public void record(Metric metric, double value, Map<String, String> dimensions) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return; // EMF refuses them; a bad value is not worth a broken line
        }
        Key key = new Key(metric, only(metric, dimensions));
        synchronized (lock) {
            List<Double> values = series.computeIfAbsent(key, k -> new ArrayList<>());
            if (values.size() >= MAX_VALUES_PER_SERIES) {
                dropped++;
                return;
            }
            values.add(value);
        }
    }

    /** Takes everything recorded so far, leaving the buffer empty. */
    public List<Series> drain() {
        Map<Key, List<Double>> taken;
        synchronized (lock) {
            if (series.isEmpty()) {
                return List.of();
            }
            taken = series;
            series = new LinkedHashMap<>();
        }
        List<Series> out = new ArrayList<>(taken.size());
        taken.forEach((key, values) -> out.add(new Series(key.metric(), key.dimensions(),
                values.stream().mapToDouble(Double::doubleValue).toArray())));
        return out;
    }

    /** Values refused because their group was full. */
    public long dropped() {
        synchronized (lock) {
            return dropped;
        }
    }

    /** The metric's own dimensions out of {@code given}, sorted; a missing one is {@code "none"}. */
    static Map<String, String> only(Metric metric, Map<String, String> given) {
        Map<String, String> kept = new TreeMap<>();
        for (String name : metric.dimensions()) {
            String value = given == null ? null : given.get(name);
            kept.put(name, value == null || value.isBlank() ? "none" : value);
        }
        return Map.copyOf(kept);
    }
}
