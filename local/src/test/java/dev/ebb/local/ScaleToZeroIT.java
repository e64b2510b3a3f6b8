package dev.ebb.local;

import dev.ebb.local.runtime.GpuLaneJobs;
import dev.ebb.local.runtime.LocalClients;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.runtime.LocalScaler;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.scale.ScalingSettings;
import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.worker.WorkerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The gpu lane scaled to zero with real worker processes (a JVM each) on the local SQS and DynamoDB servers: idle
 * means no process; a job starts one and gets its result; the cool-down stops it (exit 0, a completed drain); a
 * burst raises the count within max, and scaling in loses and repeats nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleToZeroIT {
    private static final String TENANT = "scale-it";
    /** 0..3 workers; 1 s acceptable wait at 20 jobs/s a worker, so a burst of 200 asks for all three. */
    private static final ScalingSettings SETTINGS = new ScalingSettings(0, 3, Duration.ofSeconds(1),
            Duration.ofSeconds(3), Duration.ofSeconds(2), 20, Duration.ofSeconds(10), Duration.ofMillis(250));
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static LocalRuntime runtime;
    private static LocalScaler scaler;
    private static GpuLaneJobs jobs;

    @BeforeAll
    static void start() throws Exception {
        LocalClients.useLocalCredentials();
        runtime = LocalRuntime.attachScaled(EmbeddedCloud.get(), LocalRuntime.Options.ephemeral(Path.of("unused"))
                .withWorkerEnv(Map.of(WorkerSettings.POLL_WAIT_SECONDS, "1",
                        // Hold each batch a moment, so workers hold jobs (and are protected) while scaled in.
                        WorkerSettings.MAX_BATCH_DELAY_MS, "300",
                        WorkerSettings.MAX_BATCH_SIZE, "8")), SETTINGS);
        scaler = runtime.scaler().orElseThrow();
        jobs = new GpuLaneJobs(runtime);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    @Order(1)
    void idleLane_runsNoWorkerProcess() throws Exception {
        Thread.sleep(1500); // six scaler ticks

        assertThat(scaler.workers()).as("processes started while idle").isEmpty();
    }

    @Test
    @Order(2)
    void oneJob_startsAWorker_getsItsResult_andTheCoolDownStopsTheWorker() throws Exception {
        String jobId = jobs.submitMath(TENANT, "What is 50 divided by 2?");

        Job done = awaitJob(jobId);
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.result().path("value").asInt()).isEqualTo(25);
        assertThat(scaler.workers()).hasSize(1);

        awaitTrue("the worker exits after the cool-down", () -> scaler.workers().get(0).exitCode() != null);
        LocalScaler.WorkerInfo worker = scaler.workers().get(0);
        assertThat(worker.exitCode()).as("exit code of a completed drain").isZero();
        assertThat(worker.stopRequested()).isNotNull();
        assertThat(scaler.running()).isZero();
    }

    @Test
    @Order(3)
    void burst_raisesWorkersWithinMax_andScaleInLosesAndRepeatsNothing() throws Exception {
        int before = scaler.workers().size();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            texts.add("What is " + i + " times 3?");
        }
        List<String> ids = jobs.submitMathBurst(TENANT, texts);
        int peak = 0;
        List<Job> finished = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (String id : ids) {
            while (true) {
                peak = Math.max(peak, scaler.running());
                Job job = jobs.store().find(id).orElseThrow();
                if (job.status().isTerminal()) {
                    finished.add(job);
                    break;
                }
                assertThat(System.nanoTime()).as("job " + id + " finished in time").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
        awaitTrue("every burst worker exits after the cool-down", () -> scaler.running() == 0
                && scaler.workers().stream().allMatch(w -> w.exitCode() != null));

        List<LocalScaler.WorkerInfo> burstWorkers = scaler.workers().subList(before, scaler.workers().size());
        assertThat(burstWorkers.size()).as("workers started for the burst").isBetween(2, 3 + 3);
        assertThat(peak).as("workers running at once").isBetween(2, 3);
        assertThat(finished).as("every job succeeded").allMatch(job -> job.status() == JobStatus.SUCCEEDED);
        assertThat(finished).as("no job ran twice").allMatch(job -> job.attempts() == 1);
        for (int i = 0; i < finished.size(); i++) {
            assertThat(finished.get(i).result().path("value").asInt()).isEqualTo(i * 3);
        }
        assertThat(burstWorkers).as("no worker was stopped while protected").noneMatch(
                LocalScaler.WorkerInfo::protectedAtStop);
        assertThat(burstWorkers).as("every worker drained and exited 0").allMatch(w -> w.exitCode() == 0);
    }

    private static Job awaitJob(String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Job job = jobs.store().find(jobId).orElseThrow();
            if (job.status().isTerminal()) {
                return job;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + jobId + " did not finish in " + WAIT);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what + "; workers " + scaler.workers());
            }
            Thread.sleep(50);
        }
    }
}
