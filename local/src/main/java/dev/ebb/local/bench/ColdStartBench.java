package dev.ebb.local.bench;

import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.runtime.LocalScaler;
import dev.ebb.local.runtime.LocalScalers;
import dev.ebb.local.runtime.WorkerAotCache;
import dev.ebb.local.cli.Progress;
import dev.ebb.local.cli.EbbClient;
import dev.ebb.local.cli.TempDirs;
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
 * {@code ebb bench cold-start}: from zero workers, the time from submitting one {@code embed} job through the API
 * to its result at the client, split into the scaler's reaction (submit → worker process spawned), the JVM's start
 * (spawn → the worker's main), the worker's two parallel start-up paths (its clients built and primed; the model
 * loaded and warmed up) and their wall time (main → polling), and the job (worker polling → the client sees the
 * result, by {@code GET /v1/jobs/{id}} every 10 ms). A throw-away local cloud at 0..1 workers with a 1 s cool-down;
 * each round waits until the worker has exited again. The first worker of a fresh data folder is the training run
 * of the workers' AOT cache ({@link WorkerAotCache}): shown, and left out of the median (a long-lived {@code ebb up}
 * pays it once).
 */
public final class ColdStartBench {
    private ColdStartBench() {
    }

    public static int run(int rounds, PrintStream out, Progress progress) throws IOException, InterruptedException {
        ScalingSettings scaling = new ScalingSettings(0, 1, LocalScalers.LOCAL_DEFAULTS.targetWait(),
                Duration.ofSeconds(1), LocalScalers.LOCAL_DEFAULTS.startup(), LocalScalers.LOCAL_DEFAULTS.jobsPerSecond(),
                LocalScalers.LOCAL_DEFAULTS.staleAfter(), LocalScalers.LOCAL_DEFAULTS.interval());
        Path data = Files.createTempDirectory("ebb-cold-start-");
        List<double[]> rows = new ArrayList<>();
        try (LocalRuntime runtime = LocalRuntime.startScaled(LocalRuntime.Options.ephemeral(data), scaling)) {
            LocalScaler scaler = runtime.scaler().orElseThrow();
            EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create("bench"));
            out.printf(Locale.ROOT, "cold start from zero workers, %d rounds (scaler every %d ms)%n%n", rounds,
                    scaling.interval().toMillis());
            out.println("| round | AOT cache | scaler reaction | JVM start | clients + priming | model load + warm-up "
                    + "| main → polling | job | submit → result |");
            out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
            progress.start("rounds", rounds);
            for (int round = 1; round <= rounds; round++) {
                progress.stepTo(round - 1);
                awaitZero(scaler);
                int before = scaler.workers().size();
                Instant submitted = Instant.now();
                EbbClient.Response accepted = client.submit("{\"task\":\"embed\",\"cache\":\"off\",\"input\":\"cold start, round "
                        + round + "\"}");
                if (accepted.status() != 202) {
                    throw new IOException("submit answered " + accepted.status() + " " + accepted.body());
                }
                String jobId = accepted.body().path("jobId").asText();
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
                double setUp = worker.setUpMillis();
                double ready = millis(worker.spawned(), worker.started()) - jvm;
                double run = millis(worker.started(), result);
                double total = millis(submitted, result);
                if (worker.aot() != WorkerAotCache.Use.TRAINS) {
                    rows.add(new double[] {reaction, jvm, setUp, load, ready, run, total});
                }
                out.printf(Locale.ROOT, "| %d | %s | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | **%.0f ms** |%n",
                        round, aotLabel(worker.aot()), reaction, jvm, setUp, load, ready, run, total);
            }
            progress.close();
            if (rows.isEmpty()) {
                out.println("(every round was a training run: no median)");
                return 0;
            }
            double[] median = new double[7];
            for (int c = 0; c < 7; c++) {
                int column = c;
                double[] values = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
                median[c] = values[values.length / 2];
            }
            out.printf(Locale.ROOT, "| median of the rest | | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | **%.0f ms** |%n",
                    median[0], median[1], median[2], median[3], median[4], median[5], median[6]);
        } finally {
            TempDirs.deleteQuietly(data);
        }
        return 0;
    }

    private static String aotLabel(WorkerAotCache.Use use) {
        return switch (use) {
            case TRAINS -> "training run (the first worker; not in the median)";
            case USES -> "used";
            case NONE -> "none (JDK < 25)";
        };
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
