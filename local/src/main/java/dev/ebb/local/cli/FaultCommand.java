package dev.ebb.local.cli;

import dev.ebb.local.fault.FaultSuite;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code ebb fault --scenario kill|restart|poison|crash [--jobs N] [--kill-every 2s] [--workers N] [--clients N]
 * [--rounds N]}.
 */
final class FaultCommand {
    private FaultCommand() {
    }

    static int run(EbbCli.Args args, PrintStream out) throws java.io.IOException, InterruptedException {
        FaultSuite.Scenario scenario;
        try {
            scenario = FaultSuite.Scenario.valueOf(args.required("scenario").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EbbCli.UsageException("--scenario must be kill, restart, poison or crash");
        }
        int jobs = args.integer("jobs", 2_000);
        int workers = args.integer("workers", 6);
        int clients = args.integer("clients", 16);
        int rounds = args.integer("rounds", 3);
        if (jobs < 1 || workers < 1 || clients < 1 || rounds < 1) {
            throw new EbbCli.UsageException("--jobs, --workers, --clients and --rounds must be at least 1");
        }
        FaultSuite.Report report;
        try {
            report = FaultSuite.run(new FaultSuite.Options(scenario, jobs, duration(args.string("kill-every", "2s")),
                    workers, clients, rounds), out);
        } catch (java.io.IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new java.io.IOException("fault suite failed: " + e, e);
        }
        report.print(out);
        return report.passed() ? 0 : 1;
    }

    /** {@code 2s}, {@code 500ms} or a bare number of seconds. */
    private static Duration duration(String text) {
        try {
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(text.endsWith("s")
                    ? text.substring(0, text.length() - 1) : text) * 1000));
        } catch (NumberFormatException e) {
            throw new EbbCli.UsageException("--kill-every must look like 2s or 500ms, not '" + text + "'");
        }
    }
}
