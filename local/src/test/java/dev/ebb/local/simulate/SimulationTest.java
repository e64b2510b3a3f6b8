package dev.ebb.local.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.ebb.core.scale.ScalingPolicy;
import dev.ebb.core.scale.ScalingSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulationTest {
    private static final ScalingSettings SETTINGS = new ScalingSettings(0, 50, Duration.ofSeconds(30),
            Duration.ofMinutes(2), Duration.ofSeconds(60), 5, Duration.ofMinutes(3), Duration.ofMinutes(1));

    @Test
    void builtInTrace_isTheSameForTheSameSeed_andDiffersForAnother() {
        assertThat(Trace.builtIn("spiky", 1).arrivals()).isEqualTo(Trace.builtIn("spiky", 1).arrivals());
        assertThat(Trace.builtIn("spiky", 2).arrivals()).isNotEqualTo(Trace.builtIn("spiky", 1).arrivals());
        // 20 jobs/s for 4 h, Poisson: within a percent of 288,000.
        assertThat(Trace.builtIn("steady", 1).jobs()).isBetween(285_000, 291_000);
    }

    @Test
    void run_isDeterministicForASeed() {
        var simulation = new Simulation(0.2, 60, 1.0, 7);
        var trace = Trace.builtIn("spiky", 7);
        var first = simulation.run(trace, Simulation.policy(new ScalingPolicy(SETTINGS)));
        var second = simulation.run(trace, Simulation.policy(new ScalingPolicy(SETTINGS)));

        assertThat(second.cost()).isEqualTo(first.cost());
        assertThat(second.waitP95()).isEqualTo(first.waitP95());
    }

    @Test
    void policy_whenTheLaneIsIdle_costsNothing_andAJobWaitsForOneStartUp() {
        // One job at t = 1000 s in a lane at min 0: the submit wakes a worker, which serves after 60 s.
        var trace = new Trace("one", "one job", new double[] {1000}, 4000);
        var result = new Simulation(0.2, 60, 3600, 1).run(trace, Simulation.policy(new ScalingPolicy(SETTINGS)));

        assertThat(result.waitP50()).isEqualTo(60.0);
        // Paid from the wake (1000 s) to the first look whose arrival window (the 2 min cool-down, from a look
        // after the job arrived) saw no job: the scaler looks once a minute.
        assertThat(result.cost()).isBetween(120.0, 120.0 + 2 * 60 + 1);
        assertThat(result.peakWorkers()).isEqualTo(1);
    }

    @Test
    void policyRule_remembersAScaleOut_andHoldsTheSaturationHedgeForOneLook() {
        var rule = Simulation.policy(new ScalingPolicy(SETTINGS));
        // A burst: 8 serving workers, all busy, 7,054 waiting → the backlog rule asks for 24 more.
        assertThat(rule.desired(new Simulation.Observation(7_054, 8, 8, 0, 8, 0), 8_100)).isEqualTo(32);
        // A minute later they are up and busy, 9,202 waiting: they finish it before another could start.
        var saturated = new Simulation.Observation(9_202, 32, 32, 0, 32, 0);
        assertThat(rule.desired(saturated, 8_160)).isEqualTo(32);
        // Still so a look later: arrivals outpace them, a quarter more.
        assertThat(rule.desired(saturated, 8_220)).isEqualTo(40);
    }

    @Test
    void hours_splitTheWorkerHoursIntoStartingServingAndIdle() {
        // One job at t = 1000 s, 0.2 s to serve: the woken worker starts for 60 s, serves 0.1–0.3 s, then idles
        // until the scale-in after the cool-down.
        var trace = new Trace("one", "one job", new double[] {1000}, 4000);
        var result = new Simulation(0.2, 60, 1.0, 1).run(trace, Simulation.policy(new ScalingPolicy(SETTINGS)));
        var hours = result.hours();

        assertThat(hours.started()).isEqualTo(1);
        assertThat(hours.neverServed()).isZero();
        assertThat(hours.starting()).isEqualTo(60.0 / 3600);
        assertThat(hours.serving()).isBetween(0.1 / 3600, 0.3 / 3600);
        assertThat(hours.starting() + hours.serving() + hours.idle()).isCloseTo(result.workerHours(),
                offset(1e-9));
        assertThat(hours.idleAfterLastJob()).isCloseTo(hours.idle(), offset(1e-9));
    }

    @Test
    void alwaysOn_payForEveryWorkerTheWholeTime() {
        var trace = new Trace("one", "one job", new double[] {10}, 3600);
        var result = new Simulation(0.2, 60, 1.0, 1).run(trace, Simulation.alwaysOn(3));

        assertThat(result.workerHours()).isEqualTo(3.0);
        assertThat(result.waitP99()).isZero();
    }

    @Test
    void stepRule_addsTwoAfterTwoMinutesAboveAHundred_andKeepsTwoAtLeast() {
        // 1000 jobs at once into 2 workers at 1 job/s: depth stays > 100 for minutes; the rule adds 2 a minute
        // from its second minute.
        double[] burst = new double[1000];
        for (int i = 0; i < burst.length; i++) {
            burst[i] = 1 + i * 1e-3;
        }
        var result = new Simulation(1.0, 0, 1.0, 1).run(new Trace("burst", "", burst, 1200), Simulation.stepRule());

        assertThat(result.peakWorkers()).isGreaterThanOrEqualTo(4);
        assertThat(java.util.Arrays.stream(result.workers()).min().orElseThrow()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void sizeAlwaysOn_findsTheFewestWorkersMeetingTheWait() {
        var simulation = new Simulation(0.2, 60, 1.0, 1);
        var trace = Trace.builtIn("steady", 1); // 20 jobs/s, 5 per worker: 4 would be saturated
        var sized = Simulate.sizeAlwaysOn(simulation, trace, 1.0);
        var oneFewer = simulation.run(trace, Simulation.alwaysOn(sized.peakWorkers() - 1));

        assertThat(sized.waitP95()).isLessThanOrEqualTo(1.0);
        assertThat(oneFewer.waitP95()).isGreaterThan(1.0);
    }

    @Test
    void fromCsv_readsTimesWithAHeaderAndComments(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trace.csv");
        Files.writeString(file, "arrival_seconds\n3.5\n# a comment\n\n1\n2,extra\n");

        var trace = Trace.fromCsv(file);

        assertThat(trace.arrivals()).containsExactly(1, 2, 3.5);
        assertThat(trace.duration()).isEqualTo(3.5);
    }

    @Test
    void fromCsv_whenALineIsNotATime_namesTheLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.csv");
        Files.writeString(file, "seconds\n1.0\n2.0\nsoon\n");

        assertThatThrownBy(() -> Trace.fromCsv(file))
                .isInstanceOf(Trace.TraceFormatException.class)
                .hasMessageContaining("line 4")
                .hasMessageContaining("'soon'");
    }

    @Test
    void fromCsv_whenATimeIsNegative_namesTheLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("negative.csv");
        Files.writeString(file, "1\n-2\n");

        assertThatThrownBy(() -> Trace.fromCsv(file)).hasMessageContaining("line 2");
    }

    @Test
    void simulate_whenMinExceedsMax_refusesNamingTheSetting() {
        assertThatThrownBy(() -> Simulate.run(Map.of("min", "5", "max", "2", "trace", "steady"), Map.of(),
                new PrintStream(new ByteArrayOutputStream())))
                .isInstanceOf(Simulate.SimulateException.class)
                .hasMessageContaining("EBB_SCALE_MIN_WORKERS=5 exceeds EBB_SCALE_MAX_WORKERS=2")
                .hasMessageContaining("--min");
    }

    @Test
    void simulate_printsTheComparisonAndWritesTheChart(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("t.csv");
        StringBuilder times = new StringBuilder("seconds\n");
        for (int i = 0; i < 2000; i++) {
            times.append(600 + i * 0.05).append('\n');
        }
        Files.writeString(csv, times);
        Path chart = dir.resolve("chart.svg");
        var out = new ByteArrayOutputStream();

        int code = Simulate.run(Map.of("trace", csv.toString(), "chart", chart.toString()), Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).isZero();
        assertThat(printed).contains("| t.csv | 2,000 | ebb policy |", "| t.csv | 2,000 | step rule |",
                "| t.csv | 2,000 | always-on ", "Where the ebb policy's worker-hours go:");
        assertThat(Files.readString(chart)).startsWith("<svg").contains("t.csv").endsWith("</svg>\n");
    }
}
