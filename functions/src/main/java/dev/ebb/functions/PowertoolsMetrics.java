package dev.ebb.functions;

import dev.ebb.core.metrics.Metric;
import dev.ebb.core.metrics.MetricsBuffer;
import dev.ebb.core.metrics.MetricsSink;
import java.util.List;
import java.util.Map;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * The functions' metrics: values are buffered during an invocation (no I/O on the request path) and written by
 * Powertools as EMF lines on stdout when the handler {@link #flush}es, before it returns; Lambda ships stdout to
 * CloudWatch Logs, which extracts the metrics. One line per metric and combination of dimension values, carrying
 * exactly the dimension sets {@link Metric} declares (Powertools' default {@code Service} dimension is left out, so
 * the names and dimensions are the ones the dashboard and alarms chart). No AspectJ: {@link MetricsFactory} only.
 */
final class PowertoolsMetrics implements MetricsSink {
    private final MetricsBuffer buffer = new MetricsBuffer();
    /** Powertools' instance, taken at the first flush that has something to write: not at a function's init. */
    private final java.util.function.Supplier<Metrics> metrics;

    PowertoolsMetrics() {
        this(MetricsFactory::getMetricsInstance);
    }

    PowertoolsMetrics(java.util.function.Supplier<Metrics> metrics) {
        this.metrics = metrics;
    }

    @Override
    public void record(Metric metric, double value, Map<String, String> dimensions) {
        buffer.record(metric, value, dimensions);
    }

    @Override
    public void flush() {
        for (MetricsBuffer.Series series : buffer.drain()) {
            metrics.get().flushMetrics(line -> {
                line.setNamespace(Metric.NAMESPACE);
                // Powertools writes its default set on every line (empty: "[]"): it is made one of the metric's own
                // sets, the empty one where the metric has it, so no set is written that the catalogue lacks.
                List<List<String>> sets = series.metric().dimensionSets();
                List<String> first = sets.stream().filter(List::isEmpty).findFirst().orElse(sets.get(0));
                line.setDefaultDimensions(dimensionSet(first, series.dimensions()));
                for (List<String> set : sets) {
                    if (set != first) {
                        line.addDimension(dimensionSet(set, series.dimensions()));
                    }
                }
                for (double value : series.values()) {
                    line.addMetric(series.metric().metricName(), value, unit(series.metric().unit()));
                }
            });
        }
    }

    private static DimensionSet dimensionSet(List<String> names, Map<String, String> values) {
        DimensionSet set = new DimensionSet();
        names.forEach(name -> set.addDimension(name, values.get(name)));
        return set;
    }

    private static MetricUnit unit(Metric.Unit unit) {
        return switch (unit) {
            case COUNT -> MetricUnit.COUNT;
            case MILLISECONDS -> MetricUnit.MILLISECONDS;
            case NONE -> MetricUnit.NONE;
        };
    }
}
