package dev.ebb.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.metrics.EmfFormat;
import dev.ebb.core.metrics.Metric;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Powertools writes the metrics as EMF with exactly the names and dimension sets of core's list (AWS_EMF_ENVIRONMENT=Local). */
class PowertoolsMetricsTest {

    @Test
    void flush_writesEmfLinesWithTheCataloguesDimensionSetsAndNoServiceDimension() throws Exception {
        PowertoolsMetrics metrics = new PowertoolsMetrics();
        metrics.record(Metric.JOBS_ACCEPTED, 1, Map.of("Lane", "gpu", "Task", "embed", "Tenant", "acme"));
        metrics.record(Metric.JOBS_ACCEPTED, 1, Map.of("Lane", "gpu", "Task", "embed", "Tenant", "acme"));
        metrics.record(Metric.JOBS_SUBMITTED, 1, Map.of());

        List<String> lines = stdoutOf(metrics::flush);

        List<String> emf = lines.stream().filter(l -> l.contains("\"_aws\"")).toList();
        assertThat(emf).hasSize(2);
        JsonNode accepted = Json.MAPPER.readTree(emf.stream().filter(l -> l.contains("JobsAccepted")).findFirst()
                .orElseThrow());
        JsonNode directive = accepted.at("/_aws/CloudWatchMetrics/0");
        assertThat(directive.path("Namespace").asText()).isEqualTo(Metric.NAMESPACE);
        assertThat(dimensionSets(accepted)).as("exactly the catalogue's sets, no Service").isEqualTo(
                new java.util.HashSet<>(Metric.JOBS_ACCEPTED.dimensionSets()));
        List<EmfFormat.Parsed> parsed = EmfFormat.parse(accepted.toString());
        assertThat(parsed).singleElement().satisfies(p -> {
            assertThat(p.metric()).isEqualTo(Metric.JOBS_ACCEPTED);
            assertThat(Arrays.stream(p.values()).sum()).isEqualTo(2);
            assertThat(p.dimensions()).containsEntry("Tenant", "acme").containsEntry("Lane", "gpu");
        });
        assertThat(stdoutOf(metrics::flush)).noneMatch(l -> l.contains("\"_aws\""));
    }

    @Test
    void flush_ofAMetricWithAnEmptyDimensionSet_writesItBesideTheOthers() throws Exception {
        PowertoolsMetrics metrics = new PowertoolsMetrics();
        metrics.record(Metric.CACHE_HITS, 1, Map.of("Task", "embed"));
        metrics.record(Metric.JOBS_SUBMITTED, 1, Map.of());

        List<String> emf = stdoutOf(metrics::flush).stream().filter(l -> l.contains("\"_aws\"")).toList();

        JsonNode hits = Json.MAPPER.readTree(emf.stream().filter(l -> l.contains("CacheHits")).findFirst().orElseThrow());
        assertThat(dimensionSets(hits)).isEqualTo(java.util.Set.of(List.of("Task"), List.of()));
        JsonNode submitted = Json.MAPPER.readTree(emf.stream().filter(l -> l.contains("JobsSubmitted")).findFirst()
                .orElseThrow());
        assertThat(submitted.at("/_aws/CloudWatchMetrics/0/Dimensions").toString()).isEqualTo("[[]]");
    }

    private static java.util.Set<List<String>> dimensionSets(JsonNode line) {
        java.util.Set<List<String>> sets = new java.util.HashSet<>();
        for (JsonNode set : line.at("/_aws/CloudWatchMetrics/0/Dimensions")) {
            List<String> names = new java.util.ArrayList<>();
            set.forEach(name -> names.add(name.asText()));
            sets.add(names);
        }
        return sets;
    }

    private static List<String> stdoutOf(Runnable action) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
