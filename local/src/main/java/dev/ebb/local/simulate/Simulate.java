package dev.ebb.local.simulate;

import dev.ebb.core.config.SettingsException;
import dev.ebb.core.scale.ScalingPolicy;
import dev.ebb.core.scale.ScalingSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ebb simulate}: replays traces through the Ebb {@link ScalingPolicy}, the classic step rule and always-on
 * capacity sized to the policy's p95 wait; prints cost and waits side by side and writes a chart.
 */
public final class Simulate {
    /** Command-line options and the policy settings they stand for. */
    private static final Map<String, String> POLICY_FLAGS = Map.of(
            "min", ScalingSettings.MIN_WORKERS,
            "max", ScalingSettings.MAX_WORKERS,
            "wait-s", ScalingSettings.TARGET_WAIT_SECONDS,
            "cool-down-s", ScalingSettings.COOL_DOWN_SECONDS,
            "startup-s", ScalingSettings.STARTUP_SECONDS,
            "interval-s", ScalingSettings.INTERVAL_SECONDS,
            "jobs-per-second", ScalingSettings.JOBS_PER_SECOND);
    /** The simulator's defaults: the AWS defaults, with max 50 like the step rule it is compared with. */
    private static final ScalingSettings SIMULATION_DEFAULTS = ScalingSettings.DEFAULTS.withWorkers(0, 50);
    private static final int ALWAYS_ON_LIMIT = 2000;

    private Simulate() {
    }

    /** A bad option or trace; the message says which. */
    public static final class SimulateException extends IllegalArgumentException {
        SimulateException(String message) {
            super(message);
        }
    }

    /**
     * @param options {@code trace}, {@code service-ms}, {@code price}, {@code seed}, {@code chart} and the policy
     *                flags ({@code min max wait-s cool-down-s startup-s interval-s jobs-per-second}); the
     *                policy's {@code EBB_SCALE_*} variables in {@code env} apply where no flag is given
     */
    public static int run(Map<String, String> options, Map<String, String> env, PrintStream out)
            throws IOException {
        return run(options, env, out, dev.ebb.local.cli.Progress.NONE);
    }

    /** With {@code progress}: the traces simulated. */
    public static int run(Map<String, String> options, Map<String, String> env, PrintStream out,
                          dev.ebb.local.cli.Progress progress) throws IOException {
        double serviceMs = number(options, "service-ms", 200);
        double price = number(options, "price", 1.006);
        long seed = (long) number(options, "seed", 1);
        if (!(serviceMs > 0)) {
            throw new SimulateException("--service-ms must be positive, not " + options.get("service-ms"));
        }
        if (!(price >= 0)) {
            throw new SimulateException("--price must be 0 or more, not " + options.get("price"));
        }
        Map<String, String> settingsEnv = new HashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith("EBB_SCALE_")) {
                settingsEnv.put(name, value);
            }
        });
        // Unless told otherwise, the policy knows the simulated workers' throughput.
        settingsEnv.putIfAbsent(ScalingSettings.JOBS_PER_SECOND, Double.toString(1000 / serviceMs));
        POLICY_FLAGS.forEach((flag, name) -> {
            if (options.containsKey(flag)) {
                settingsEnv.put(name, options.get(flag));
            }
        });
        ScalingSettings settings;
        try {
            settings = ScalingSettings.fromEnv(settingsEnv, SIMULATION_DEFAULTS);
        } catch (SettingsException e) {
            throw new SimulateException(e.getMessage() + flagHint(e.getMessage()));
        }
        List<Trace> traces = new ArrayList<>();
        for (String name : options.getOrDefault("trace", String.join(",", Trace.BUILT_IN)).split(",")) {
            String trimmed = name.strip();
            if (trimmed.endsWith(".csv")) {
                traces.add(Trace.fromCsv(Path.of(trimmed)));
            } else {
                try {
                    traces.add(Trace.builtIn(trimmed, seed));
                } catch (IllegalArgumentException e) {
                    throw new SimulateException(e.getMessage());
                }
            }
        }
        double startup = settings.startup().toNanos() / 1e9;
        Simulation simulation = new Simulation(serviceMs / 1000, startup, price, seed);
        out.printf(Locale.ROOT, "policy: workers %d..%d, acceptable wait %s s, cool-down %s s, scaler every %s s; "
                        + "workers: %.0f ms a job, start-up %s s, $%.3f per worker-hour; seed %d%n%n",
                settings.minWorkers(), settings.maxWorkers(), seconds(settings.targetWait()),
                seconds(settings.coolDown()), seconds(settings.interval()), serviceMs, seconds(settings.startup()),
                price, seed);
        out.println("| trace | jobs | rule | peak workers | worker-hours | cost | per 1,000 jobs | wait p50 | p95 | p99 |");
        out.println("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        List<SvgChart.Panel> panels = new ArrayList<>();
        List<String> verdicts = new ArrayList<>();
        List<String> split = new ArrayList<>();
        progress.start("traces", traces.size());
        for (Trace trace : traces) {
            progress.message(trace.name());
            Simulation.Result ours = simulation.run(trace, Simulation.policy(new ScalingPolicy(settings)));
            Simulation.Result step = simulation.run(trace, Simulation.stepRule());
            Simulation.Result always = sizeAlwaysOn(simulation, trace, ours.waitP95());
            for (Simulation.Result result : List.of(ours, step, always)) {
                out.printf(Locale.ROOT, "| %s | %,d | %s | %d | %,.1f | $%,.2f | $%.3f | %s | %s | %s |%n",
                        trace.name(), trace.jobs(), result.rule(), result.peakWorkers(), result.workerHours(),
                        result.cost(), result.costPerThousand(), wait(result.waitP50()), wait(result.waitP95()),
                        wait(result.waitP99()));
            }
            verdicts.add(String.format(Locale.ROOT, "- %s (%s): cost %.0f%% of always-on at a p95 wait no worse; "
                            + "p95 wait %s against the step rule's %s at %.0f%% of its cost",
                    trace.name(), trace.description(), 100 * ratio(ours.cost(), always.cost()),
                    wait(ours.waitP95()), wait(step.waitP95()), 100 * ratio(ours.cost(), step.cost())));
            Simulation.Hours hours = ours.hours();
            split.add(String.format(Locale.ROOT, "| %s | %,d | %,d | %,.1f | %,.1f | %,.1f | %,.1f |", trace.name(),
                    hours.started(), hours.neverServed(), hours.starting(), hours.serving(), hours.idle(),
                    hours.idleAfterLastJob()));
            panels.add(new SvgChart.Panel(trace.name() + ": " + trace.description(), List.of(ours, step, always)));
            progress.stepTo(panels.size());
        }
        progress.close();
        out.println();
        verdicts.forEach(out::println);
        out.println();
        out.println("Where the ebb policy's worker-hours go:");
        out.println();
        out.println("| trace | workers started | never ran a job | starting | serving | idle | of which after their "
                + "last job |");
        out.println("|---|---:|---:|---:|---:|---:|---:|");
        split.forEach(out::println);
        Path chart = Path.of(options.getOrDefault("chart", "ebb-simulation.svg"));
        if (chart.getParent() != null) {
            Files.createDirectories(chart.getParent());
        }
        Files.writeString(chart, SvgChart.render(panels));
        out.println();
        out.println("chart: " + chart);
        return 0;
    }

    /** The fewest always-on workers whose p95 wait is no worse than {@code p95}. */
    static Simulation.Result sizeAlwaysOn(Simulation simulation, Trace trace, double p95) {
        int high = 1;
        Simulation.Result best = simulation.run(trace, Simulation.alwaysOn(high));
        while (best.waitP95() > p95 && high < ALWAYS_ON_LIMIT) {
            high = Math.min(ALWAYS_ON_LIMIT, high * 2);
            best = simulation.run(trace, Simulation.alwaysOn(high));
        }
        int low = high / 2 + 1;
        while (low < high) {
            int middle = (low + high) / 2;
            Simulation.Result result = simulation.run(trace, Simulation.alwaysOn(middle));
            if (result.waitP95() <= p95) {
                high = middle;
                best = result;
            } else {
                low = middle + 1;
            }
        }
        return best;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    private static String wait(double seconds) {
        if (seconds < 1) {
            return String.format(Locale.ROOT, "%.0f ms", seconds * 1000);
        }
        if (seconds < 120) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        return String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }

    private static String seconds(Duration duration) {
        double s = duration.toMillis() / 1000.0;
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    private static double number(Map<String, String> options, String name, double fallback) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            double parsed = Double.parseDouble(value);
            if (!Double.isFinite(parsed)) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new SimulateException("--" + name + " must be a number, not '" + value + "'");
        }
    }

    private static String flagHint(String message) {
        for (Map.Entry<String, String> flag : POLICY_FLAGS.entrySet()) {
            if (message.startsWith(flag.getValue())) {
                return " (--" + flag.getKey() + ")";
            }
        }
        return "";
    }
}
