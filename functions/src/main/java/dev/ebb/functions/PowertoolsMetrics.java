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
                line.setDefaultDimensions(new DimensionSet());
                for (List<String> set : series.metric().dimensionSets()) {
                    DimensionSet dimensions = new DimensionSet();
                    set.forEach(name -> dimensions.addDimension(name, series.dimensions().get(name)));
                    if (!set.isEmpty()) {
                        line.addDimension(dimensions);
                    }
                }
                for (double value : series.values()) {
                    line.addMetric(series.metric().metricName(), value, unit(series.metric().unit()));
                }
            });
        }
    }

    private static MetricUnit unit(Metric.Unit unit) {
        return switch (unit) {
            case COUNT -> MetricUnit.COUNT;
            case MILLISECONDS -> MetricUnit.MILLISECONDS;
            case NONE -> MetricUnit.NONE;
        };
    }
}
