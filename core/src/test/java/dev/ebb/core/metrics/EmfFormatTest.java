package dev.ebb.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmfFormatTest {
    private final List<String> lines = new ArrayList<>();
    private final EmfMetrics emf = new EmfMetrics(lines::add,
            Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC));

    @Test
    void flush_writesOneEmfLinePerSeries_withTheMetricsDimensionSetsAndTheValuesAsAnArray() throws Exception {
        emf.record(Metric.JOBS_ACCEPTED, 1, Map.of("Lane", "gpu", "Task", "embed", "Tenant", "acme", "Extra", "x"));
        emf.record(Metric.JOBS_ACCEPTED, 1, Map.of("Lane", "gpu", "Task", "embed", "Tenant", "acme"));
        emf.record(Metric.QUEUE_WAIT, 12.5, Map.of("Lane", "cpu"));
        assertThat(lines).isEmpty(); // recording writes nothing

        emf.flush();

        assertThat(lines).hasSize(2);
        JsonNode accepted = Json.MAPPER.readTree(lines.get(0));
        JsonNode directive = accepted.at("/_aws/CloudWatchMetrics/0");
        assertThat(accepted.at("/_aws/Timestamp").asLong()).isEqualTo(1_700_000_000_000L);
        assertThat(directive.path("Namespace").asText()).isEqualTo("Ebb");
        assertThat(directive.path("Dimensions").toString()).isEqualTo("[[\"Lane\",\"Task\"],[\"Lane\"],[\"Tenant\"]]");
        assertThat(directive.at("/Metrics/0/Name").asText()).isEqualTo("JobsAccepted");
        assertThat(directive.at("/Metrics/0/Unit").asText()).isEqualTo("Count");
        assertThat(accepted.path("JobsAccepted").toString()).isEqualTo("[1.0,1.0]");
        assertThat(accepted.path("Tenant").asText()).isEqualTo("acme");
        assertThat(accepted.has("Extra")).as("only the metric's own dimensions are written").isFalse();
        assertThat(Json.MAPPER.readTree(lines.get(1)).path("QueueWaitMs").asDouble()).isEqualTo(12.5);

        emf.flush();
        assertThat(lines).as("a flush takes what it wrote").hasSize(2);
    }

    @Test
    void lines_splitASeriesIntoLinesOfAtMostOneHundredValues_andParseReadsThemBack() {
        for (int i = 0; i < 250; i++) {
            emf.record(Metric.RUN_TIME, i, Map.of("Lane", "gpu", "Task", "embed"));
        }
        emf.flush();

        assertThat(lines).hasSize(3);
        List<EmfFormat.Parsed> parsed = lines.stream().flatMap(l -> EmfFormat.parse(l).stream()).toList();
        assertThat(parsed).extracting(EmfFormat.Parsed::metric).containsOnly(Metric.RUN_TIME);
        assertThat(parsed.stream().mapToInt(p -> p.values().length).sum()).isEqualTo(250);
        assertThat(parsed.get(0).dimensions()).isEqualTo(Map.of("Lane", "gpu", "Task", "embed"));
        assertThat(EmfFormat.parse("{\"level\":\"INFO\",\"message\":\"worker started\"}")).isEmpty();
    }

    @Test
    void record_whenADimensionIsMissing_writesNone_andNeverDropsTheValue() {
        emf.record(Metric.JOBS_FAILED, 1, Map.of("Lane", "cpu"));
        emf.flush();

        assertThat(EmfFormat.parse(lines.get(0)).get(0).dimensions()).containsEntry("Code", "none");
    }

    @Test
    void metricNames_areUnique_andEachHasAtLeastOneDimensionSetWithinEmfsLimit() {
        assertThat(Metric.names()).doesNotHaveDuplicates().contains("JobsAccepted", "CacheHits", "JobCostUsd");
        for (Metric metric : Metric.values()) {
            // an empty set is EMF's "no dimensions" ([[]]): the metric is one series in the namespace
            assertThat(metric.dimensionSets()).isNotEmpty()
                    .allSatisfy(set -> assertThat(set).hasSizeLessThanOrEqualTo(30));
            // a set whose values are known when the stack is built: what fixed charts and alarms use
            assertThat(metric.dimensionSets()).as(metric.metricName())
                    .containsAnyOf(List.of(), List.of(Metric.Dimension.LANE));
        }
    }
}
