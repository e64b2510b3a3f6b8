package dev.ebb.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.metrics.EmfMetrics;
import dev.ebb.core.metrics.Metric;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's numbers: what was recorded in process, and what a worker process wrote as EMF lines. */
class LiveMetricsTest {
    private final Clock clock = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);
    private final LiveMetrics live = new LiveMetrics(clock);

    @Test
    void snapshot_countsRecordedAndWorkerEmittedValues_andTakesPercentilesAndCost() {
        Map<String, String> gpuEmbed = Map.of("Lane", "gpu", "Task", "embed", "Tenant", "t");
        for (int i = 1; i <= 100; i++) {
            live.record(Metric.JOBS_ACCEPTED, 1, gpuEmbed);
        }
        // A worker process's stdout: its EMF lines, among its log lines.
        List<String> lines = new ArrayList<>();
        EmfMetrics worker = new EmfMetrics(lines::add, clock);
        for (int i = 1; i <= 100; i++) {
            worker.record(Metric.JOBS_SUCCEEDED, 1, gpuEmbed);
            worker.record(Metric.END_TO_END, i, gpuEmbed);
            worker.record(Metric.JOB_COST, 0.00002, gpuEmbed);
        }
        worker.flush();
        live.acceptLine("{\"time\":\"…\",\"level\":\"INFO\",\"message\":\"worker started lane=gpu\"}");
        lines.forEach(live::acceptLine);
        live.record(Metric.WORKERS_RUNNING, 2, Map.of("Lane", "gpu"));
        live.record(Metric.WORKERS_BUSY, 1, Map.of("Lane", "gpu"));

        JsonNode state = live.snapshot();

        assertThat(state.at("/totals/JobsAccepted").asLong()).isEqualTo(100);
        assertThat(state.at("/totals/JobsSucceeded").asLong()).isEqualTo(100);
        assertThat(state.at("/endToEndMs/p50").asDouble()).isEqualTo(50);
        assertThat(state.at("/endToEndMs/p99").asDouble()).isEqualTo(99);
        assertThat(state.at("/costPer1000Jobs").asDouble()).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(state.at("/workers/gpu/running").asInt()).isEqualTo(2);
        assertThat(state.at("/workers/gpu/busy").asInt()).isEqualTo(1);
        assertThat(state.at("/jobsPerSecond").asDouble()).isEqualTo(10.0); // 100 ended this second, over 10 s
        JsonNode last = state.path("seconds").get(state.path("seconds").size() - 1);
        assertThat(last.path("accepted").asLong()).isEqualTo(100);
        assertThat(state.path("cacheHitRate").isNull()).isTrue();
    }
}
