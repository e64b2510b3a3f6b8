package dev.ebb.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.scale.ScalingSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ebb bench cold-start}: from zero workers, the time from submitting one gpu-lane job to its result at the
 * client, split into the scaler's reaction (submit → worker process spawned), the JVM's start (spawn → the
 * worker's main), the worker's set-up (clients, pollers; model load reported apart), the model load, and the job
 * (worker polling → the client sees the result, by {@code GET /v1/jobs/{id}} every 10 ms). A throw-away local cloud
 * at 0..1 workers with a 1 s cool-down; each round waits until the worker has exited again.
 */
final class ColdStartBench {
    private ColdStartBench() {
    }

    static int run(EbbCli.Args args, PrintStream out) throws IOException, InterruptedException {
        int rounds = args.integer("rounds", 5);
        if (rounds < 1) {
            throw new EbbCli.UsageException("--rounds must be at least 1");
        }
        ScalingSettings scaling = new ScalingSettings(0, 1, LocalScalers.LOCAL_DEFAULTS.targetWait(),
                Duration.ofSeconds(1), LocalScalers.LOCAL_DEFAULTS.startup(), LocalScalers.LOCAL_DEFAULTS.jobsPerSecond(),
                LocalScalers.LOCAL_DEFAULTS.staleAfter(), LocalScalers.LOCAL_DEFAULTS.interval());
        Path data = Files.createTempDirectory("ebb-cold-start-");
        List<double[]> rows = new ArrayList<>();
        try (LocalRuntime runtime = LocalRuntime.startScaled(LocalRuntime.Options.ephemeral(data), scaling)) {
            LocalScaler scaler = runtime.scaler().orElseThrow();
            GpuLaneJobs jobs = new GpuLaneJobs(runtime);
            EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create("bench"));
            out.printf(Locale.ROOT, "cold start from zero workers, %d rounds (scaler every %d ms)%n%n", rounds,
                    scaling.interval().toMillis());
            out.println("| round | scaler reaction | JVM start | worker set-up | model load | job | submit → result |");
            out.println("|---:|---:|---:|---:|---:|---:|---:|");
            for (int round = 1; round <= rounds; round++) {
                awaitZero(scaler);
                int before = scaler.workers().size();
                Instant submitted = Instant.now();
                String jobId = jobs.submitMath("bench", "What is " + round + " times 7?");
                JsonNode job;
                while (true) {
                    job = client.get(jobId).body();
                    if (job.path("status").asText().equals("SUCCEEDED") || job.path("status").asText()
                            .equals("FAILED")) {
                        break;
                    }
                    Thread.sleep(10);
                }
                Instant result = Instant.now();
                if (!job.path("status").asText().equals("SUCCEEDED")) {
                    throw new IOException("job " + jobId + " ended " + job);
                }
                LocalScaler.WorkerInfo worker = awaitTimings(scaler, before);
                double reaction = millis(submitted, worker.spawned());
                double jvm = worker.jvmMillis();
                double load = worker.loadMillis();
                double setUp = millis(worker.spawned(), worker.started()) - jvm - load;
                double run = millis(worker.started(), result);
                double total = millis(submitted, result);
                rows.add(new double[] {reaction, jvm, setUp, load, run, total});
                out.printf(Locale.ROOT, "| %d | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | **%.0f ms** |%n",
                        round, reaction, jvm, setUp, load, run, total);
            }
            double[] median = new double[6];
            for (int c = 0; c < 6; c++) {
                int column = c;
                double[] values = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
                median[c] = values[values.length / 2];
            }
            out.printf(Locale.ROOT, "| median | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | **%.0f ms** |%n",
                    median[0], median[1], median[2], median[3], median[4], median[5]);
        } finally {
            TempDirs.deleteQuietly(data);
        }
        return 0;
    }

    private static void awaitZero(LocalScaler scaler) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (scaler.running() > 0 || scaler.workers().stream().anyMatch(w -> w.exitCode() == null)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the worker did not stop within 60 s: " + scaler.workers());
            }
            Thread.sleep(50);
        }
    }

    private static LocalScaler.WorkerInfo awaitTimings(LocalScaler scaler, int before) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<LocalScaler.WorkerInfo> workers = scaler.workers();
            if (workers.size() > before) {
                LocalScaler.WorkerInfo worker = workers.get(before);
                if (worker.started() != null && worker.jvmMillis() != null) {
                    return worker;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no worker timings: " + workers);
            }
            Thread.sleep(10);
        }
    }

    private static double millis(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }
}
