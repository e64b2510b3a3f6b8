package dev.ebb.core.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CloudWatch embedded metric format: one JSON object a line, which CloudWatch Logs turns into metrics
 * ({@code _aws.CloudWatchMetrics}: namespace, dimension sets, metric names and units; the values beside as
 * top-level fields, an array holding up to {@link #MAX_VALUES} values). The same lines Powertools writes in the
 * functions, written here for the gpu workers and read back by the local dashboard.
 */
public final class EmfFormat {
    /** EMF's limit on the values of one metric in one line. */
    public static final int MAX_VALUES = 100;

    private EmfFormat() {
    }

    /** The lines of one series: one per {@link #MAX_VALUES} values. */
    public static List<String> lines(MetricsBuffer.Series series, long timestampMillis) {
        List<String> lines = new ArrayList<>();
        double[] values = series.values();
        for (int from = 0; from < values.length; from += MAX_VALUES) {
            double[] chunk = Arrays.copyOfRange(values, from, Math.min(values.length, from + MAX_VALUES));
            lines.add(line(series.metric(), series.dimensions(), chunk, timestampMillis));
        }
        return lines;
    }

    static String line(Metric metric, Map<String, String> dimensions, double[] values, long timestampMillis) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode aws = root.putObject("_aws");
        aws.put("Timestamp", timestampMillis);
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", Metric.NAMESPACE);
        ArrayNode sets = directive.putArray("Dimensions");
        for (List<String> set : metric.dimensionSets()) {
            ArrayNode names = sets.addArray();
            set.forEach(names::add);
        }
        directive.putArray("Metrics").addObject().put("Name", metric.metricName())
                .put("Unit", metric.unit().cloudWatchName());
        dimensions.forEach(root::put);
        if (values.length == 1) {
            root.put(metric.metricName(), values[0]);
        } else {
            ArrayNode array = root.putArray(metric.metricName());
            for (double value : values) {
                array.add(value);
            }
        }
        return Json.write(root);
    }

    /** A line read back: each metric it names in {@link Metric#NAMESPACE} with its values and dimensions. */
    public record Parsed(Metric metric, Map<String, String> dimensions, double[] values) {
    }

    /**
     * The Ebb metrics of an EMF line (Powertools' or this class's), or nothing when the line is not EMF (a log line)
     * or names none.
     */
    public static List<Parsed> parse(String line) {
        if (line == null || !line.contains("\"_aws\"")) {
            return List.of();
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(line);
        } catch (java.io.IOException e) {
            return List.of();
        }
        List<Parsed> parsed = new ArrayList<>();
        for (JsonNode directive : root.path("_aws").path("CloudWatchMetrics")) {
            if (!Metric.NAMESPACE.equals(directive.path("Namespace").asText())) {
                continue;
            }
            for (JsonNode definition : directive.path("Metrics")) {
                Optional<Metric> metric = byName(definition.path("Name").asText());
                if (metric.isEmpty()) {
                    continue;
                }
                JsonNode value = root.path(metric.get().metricName());
                double[] values;
                if (value.isArray()) {
                    values = new double[value.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = value.get(i).asDouble();
                    }
                } else if (value.isNumber()) {
                    values = new double[] {value.asDouble()};
                } else {
                    continue;
                }
                Map<String, String> dimensions = new LinkedHashMap<>();
                for (String name : metric.get().dimensions()) {
                    JsonNode dimension = root.get(name);
                    if (dimension != null && dimension.isTextual()) {
                        dimensions.put(name, dimension.asText());
                    }
                }
                parsed.add(new Parsed(metric.get(), dimensions, values));
            }
        }
        return parsed;
    }

    static Optional<Metric> byName(String name) {
        for (Metric metric : Metric.values()) {
            if (metric.metricName().equals(name)) {
                return Optional.of(metric);
            }
        }
        return Optional.empty();
    }
}
