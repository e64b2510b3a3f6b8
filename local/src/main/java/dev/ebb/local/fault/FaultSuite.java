package dev.ebb.local.fault;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Settings;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.task.Lane;
import dev.ebb.functions.DependencyFactory;
import dev.ebb.local.cli.EbbClient;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.cli.TempDirs;
import dev.ebb.local.cloud.LocalCloud;
import dev.ebb.worker.FaultInjection;
import dev.ebb.worker.WorkerSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fault suite: a throw-away local cloud and gateway, worker processes on the lane, N jobs submitted over HTTP
 * by many clients, and faults while they run. A client-side {@link Ledger} then counts, the way Jepsen's
 * total-queue checker does: every accepted job (a 202) must reach SUCCEEDED, FAILED with a reason, or CANCELLED;
 * {@code lost} is an accepted job that did not, {@code unexpected} a job or result nobody asked for, {@code duplicate
 * results} a job whose visible outcome changed after it ended; {@code duplicate executions} (claims beyond the
 * first) are allowed and reported.
 *
 * <ul>
 *   <li>{@code kill}: a random worker is SIGKILLed every {@code killEvery} and replaced, and each worker process also
 *       crashes itself now and then at one of the three crash points (after receive, mid batch, after the
 *       completion but before the delete).</li>
 *   <li>{@code restart}: the SQS server, then the DynamoDB server (Dynoxide), is stopped for a few seconds and started again on the
 *       same state while jobs are submitted and run; jobs accepted before, during and after each outage are counted
 *       apart.</li>
 *   <li>{@code poison}: some inputs crash every worker that runs them; each must end FAILED (dead_lettered) within
 *       {@link Deployment#MAX_RUNS} runs, and after the fix a redrive must bring them to SUCCEEDED.</li>
 *   <li>{@code crash}: {@code ebb up} runs as a child process; in each round a burst of submits is under way when
 *       the whole local cloud (its JVM and every process it started) is SIGKILLed, then started again on the same
 *       state; every job that got a 202 must still end.</li>
 * </ul>
 *
 * <p>Healthy jobs (every job but the poison ones) must not end FAILED: the report counts them apart
 * ({@code healthy FAILED}), and the kill and poison scenarios pass only with none.
 */
public final class FaultSuite {
    /** Inputs carrying this number crash the worker in the poison scenario. */
    static final String POISON = "666013";
    /** Runs within which a poison job must end (the runner's poison limit). */
    private static final int MAX_RUNS = Deployment.MAX_RUNS;
    private static final String TENANT = "fault";

    public enum Scenario {
        KILL, RESTART, POISON, CRASH;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param jobs      jobs to submit (poison jobs come on top, 1 in 100, at least 5)
     * @param killEvery how often a worker is SIGKILLed (kill scenario)
     * @param workers   worker processes
     * @param clients   concurrent HTTP clients submitting
     */
    public record Options(Scenario scenario, int jobs, Duration killEvery, int workers, int clients, int rounds) {
        /** @param rounds crashes (crash scenario), each after a burst of {@code jobs} submits */
        public Options {
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be at least 1");
            }
        }

        public Options(Scenario scenario, int jobs, Duration killEvery, int workers, int clients) {
            this(scenario, jobs, killEvery, workers, clients, 3);
        }
    }

    /** The figures a run prints. */
    public record Report(Scenario scenario, int submitted, int accepted, int notAccepted, int submitRetries,
                         int lost, int unexpected, int duplicateResults, int duplicateExecutions,
                         int jobsRunMoreThanOnce, Map<String, Integer> outcomes, Map<String, Integer> workerExits,
                         long kills, Map<String, Integer> acceptedByPhase, int poisonJobs, int poisonDeadLettered,
                         int poisonWithinMaxReceives, int poisonRedriven, int poisonSucceededAfterRedrive,
                         int collateralDeadLettered, long p50Ms, long p99Ms, long maxMs, long elapsedMs,
                         HealthyFailures healthy) {

        /** The run met the bar: nothing lost, nothing unexpected, exactly one result per job. */
        public boolean passed() {
            boolean poisonOk = scenario != Scenario.POISON
                    || (poisonDeadLettered == poisonJobs && poisonWithinMaxReceives == poisonJobs
                    && poisonSucceededAfterRedrive == poisonJobs);
            boolean healthyOk = scenario == Scenario.RESTART || healthy.failed() == 0;
            return lost == 0 && unexpected == 0 && duplicateResults == 0 && poisonOk && healthyOk;
        }

        /** Healthy jobs (not poison) that ended FAILED, at their first end (before any redrive). */
        public int healthyFailed() {
            return healthy.failed();
        }

        public void print(PrintStream out) {
            out.printf("scenario %s: %d jobs submitted by HTTP clients%n", scenario.id(), submitted);
            out.printf("accepted %d (202), not accepted %d, submit retries after a 5xx or timeout %d%n", accepted,
                    notAccepted, submitRetries);
            if (!acceptedByPhase.isEmpty()) {
                out.printf("accepted by phase: %s%n", acceptedByPhase);
            }
            out.printf("outcomes: %s%n", outcomes);
            out.printf("healthy jobs FAILED %d %s; poison jobs %d%n", healthy.failed(), healthy.byCode(), poisonJobs);
            out.printf("lost %d%n", lost);
            out.printf("unexpected %d%n", unexpected);
            out.printf("duplicate results %d%n", duplicateResults);
            out.printf("duplicate executions %d (claims beyond the first, on %d jobs; allowed, reported)%n",
                    duplicateExecutions, jobsRunMoreThanOnce);
            out.printf("time to a terminal state: p50 %d ms, p99 %d ms, max %d ms%n", p50Ms, p99Ms, maxMs);
            out.printf("workers SIGKILLed by the suite %d; worker exits %s%n", kills, workerExits);
            if (scenario == Scenario.POISON) {
                out.printf("poison jobs %d: FAILED dead_lettered %d (within %d runs: %d); after the fix, "
                        + "redriven %d, SUCCEEDED %d%n", poisonJobs, poisonDeadLettered, MAX_RUNS,
                        poisonWithinMaxReceives, poisonRedriven, poisonSucceededAfterRedrive);
                out.printf("healthy jobs dead-lettered beside them (held by workers that crashed on poison) and "
                        + "redriven: %d%n", collateralDeadLettered);
            }
            out.printf("elapsed %.1f s -> %s%n", elapsedMs / 1000.0, passed() ? "PASS" : "FAIL");
        }
    }

    private final Options options;
    private final PrintStream out;
    private final dev.ebb.local.cli.Progress progress;
    private final Ledger ledger = new Ledger();
    private final AtomicInteger submitRetries = new AtomicInteger();
    /** Healthy jobs dead-lettered because workers crashed on poison while holding them (then redriven). */
    private int collateral;
    /** Healthy jobs that ended FAILED, by error code, at their first end (a redrive later does not undo it). */
    private final Map<String, Integer> healthyFailures = new java.util.TreeMap<>();
    private final Map<String, long[]> phases = new LinkedHashMap<>(); // name → [startNanos, endNanos]
    /** Jobs that reached their end while the faults were still being injected. */
    private int endedDuringFaults;
    /** The tenant the jobs are submitted as: the suite's own, or {@code ebb up}'s key's in the crash scenario. */
    private String tenant = TENANT;

    private FaultSuite(Options options, PrintStream out, dev.ebb.local.cli.Progress progress) {
        this.progress = progress;
        this.options = options;
        this.out = out;
    }

    public static Report run(Options options, PrintStream out) throws Exception {
        return run(options, out, dev.ebb.local.cli.Progress.NONE);
    }

    /** With {@code progress}: the accepted jobs that have ended, while the suite waits for them. */
    public static Report run(Options options, PrintStream out, dev.ebb.local.cli.Progress progress) throws Exception {
        return new FaultSuite(options, out, progress).run();
    }

    private Report run() throws Exception {
        long start = System.nanoTime();
        if (options.scenario() == Scenario.CRASH) {
            return crash(start);
        }
        Path data = Files.createTempDirectory("ebb-fault-");
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "local"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "local"));
        LocalCloud cloud = new LocalCloud(LocalCloud.Config.builder().dataDir(data).sqsPort(0).dynamoDbPort(0).build())
                .start();
        try (LocalRuntime runtime = LocalRuntime.attach(cloud,
                new LocalRuntime.Options(data, "127.0.0.1", 0, 0, 0, 0, 0, Map.of()))) {
            EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create(TENANT));
            Map<String, String> base = workerEnv(runtime.env());
            Scenario scenario = options.scenario();
            try (WorkerFleet fleet = new WorkerFleet(options.workers(), slot -> faultEnv(base, slot))) {
                out.printf("ebb fault: %s, %d jobs, %d worker processes, %d clients%n", scenario.id(), options.jobs(),
                        options.workers(), options.clients());
                Thread faults = Thread.ofPlatform().daemon().name("faults").start(() -> injectFaults(fleet, cloud));
                submitAll(client);
                double submitSeconds = (System.nanoTime() - start) / 1e9;
                out.printf("submitted in %.1f s; waiting for every accepted job to end%n", submitSeconds);
                List<Ledger.Entry> healthy = ledger.all().stream().filter(e -> !e.poison).toList();
                // Faults go on while the workers work off the backlog, for a window as long as the submissions
                // took (at least a minute); then they stop and the system must bring every job to its end, as in
                // Jepsen's final phase. A fleet killed forever on a machine where a worker needs longer than the
                // kill interval to start would otherwise prove nothing but that.
                Duration faultWindow = Duration.ofSeconds(Math.max(60, (long) submitSeconds));
                awaitTerminal(client, healthy, faultWindow);
                faults.interrupt();
                faults.join(30_000);
                endedDuringFaults = (int) healthy.stream().filter(e -> e.accepted && e.first != null).count();
                out.printf("faults stopped; %d of %d accepted jobs had ended while they ran%n", endedDuringFaults,
                        healthy.stream().filter(e -> e.accepted).count());
                awaitTerminal(client, healthy, deadline());
                PoisonFigures poison = new PoisonFigures();
                if (scenario == Scenario.POISON) {
                    poison = poison(client, fleet, base, runtime);
                }
                // Let late copies of messages (redelivered after a kill) reach the workers and be refused.
                Thread.sleep(Duration.ofSeconds(8));
                return report(client, fleet, poison, System.nanoTime() - start);
            }
        } finally {
            cloud.stop();
            TempDirs.deleteQuietly(data);
        }
    }

    // ------------------------------------------------------------------------------------------ crash

    /**
     * The crash scenario: {@code ebb up} as a child process on a temporary data folder. Each round submits a burst of
     * {@code jobs}; once half of them are accepted (the rest under way), the local cloud's JVM and every process it
     * started are SIGKILLed together, and it is started again on the same folder and API port while the clients
     * retry. Then every job the round accepted must end before the next round begins.
     */
    private Report crash(long start) throws Exception {
        Path data = Files.createTempDirectory("ebb-fault-crash-");
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        // Jobs whose message a crash lost are found by the reconciler once they waited this long with no run.
        Map<String, String> env = Map.of(DependencyFactory.RESEND_AFTER_SECONDS, "20");
        Duration startTimeout = Duration.ofMinutes(10); // a JVM start takes minutes on a machine under heavy load
        LocalCloudProcess cloud = LocalCloudProcess.start(data, port, env, startTimeout);
        long kills = 0;
        Map<String, Integer> exits = new java.util.TreeMap<>();
        try {
            tenant = "default"; // ebb up writes a key for tenant 'default' to DATA/api-key
            EbbClient client = new EbbClient(cloud.api(), Files.readString(data.resolve("api-key")).strip());
            out.printf("ebb fault: crash, %d rounds of %d jobs, the local cloud as a child process, %d clients%n",
                    options.rounds(), options.jobs(), options.clients());
            String run = Long.toString(System.currentTimeMillis(), 36);
            int number = 0;
            for (int round = 1; round <= options.rounds(); round++) {
                List<Ledger.Entry> entries = new ArrayList<>();
                for (int i = 0; i < options.jobs(); i++, number++) {
                    entries.add(ledger.add(number, "fault-" + run + "-" + number, number + " plus 7 = " + (number + 7),
                            false));
                }
                java.util.concurrent.CompletableFuture<Void> submitting = java.util.concurrent.CompletableFuture
                        .runAsync(() -> {
                            try {
                                submitEntries(client, entries);
                            } catch (Exception e) {
                                throw new java.util.concurrent.CompletionException(e);
                            }
                        });
                while (entries.stream().filter(e -> e.accepted).count() < Math.max(1, options.jobs() / 2)
                        && !submitting.isDone()) {
                    Thread.sleep(5);
                }
                long acceptedAtKill = entries.stream().filter(e -> e.accepted).count();
                int killed = cloud.kill();
                kills++;
                exits.merge("SIGKILL (the local cloud and what it started)", killed, Integer::sum);
                out.printf("round %d: %d of %d accepted; SIGKILLed the local cloud's JVM and %d processes it started%n",
                        round, acceptedAtKill, options.jobs(), killed - 1);
                long restart = System.nanoTime();
                cloud = LocalCloudProcess.start(data, port, env, startTimeout);
                out.printf("round %d: up again on the same state in %.1f s%n", round,
                        (System.nanoTime() - restart) / 1e9);
                submitting.join();
                awaitTerminal(client, entries, deadline());
                out.printf("round %d: %d accepted, %d of them ended%n", round,
                        entries.stream().filter(e -> e.accepted).count(),
                        entries.stream().filter(e -> e.accepted && e.first != null).count());
            }
            return report(client, exits, kills, new PoisonFigures(), System.nanoTime() - start);
        } finally {
            cloud.stop();
            TempDirs.deleteQuietly(data);
        }
    }

    private Duration deadline() {
        return Duration.ofSeconds(300 + options.jobs() / 10);
    }

    /** The workers' environment: the cpu lane, short visibility and lease so that a killed worker's jobs return soon. */
    private Map<String, String> workerEnv(Map<String, String> runtimeEnv) {
        Map<String, String> env = new HashMap<>(runtimeEnv);
        env.put(WorkerSettings.LANE, Lane.CPU.id());
        env.put(WorkerSettings.VISIBILITY_SECONDS, "6");
        env.put(Settings.LEASE_SECONDS, "5");
        env.put(WorkerSettings.POLL_WAIT_SECONDS, "2");
        env.put(WorkerSettings.DRAIN_SECONDS, "10");
        env.put(WorkerSettings.RUNNERS, "2");
        env.put("EBB_LOG_LEVEL", "INFO"); // the fleet learns that a worker is up from its "worker started" line
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        if (options.scenario() == Scenario.POISON) {
            // Few messages in hand, so that a crash on a poison input takes few healthy jobs with it.
            env.put(WorkerSettings.MAX_BATCH_SIZE, "4");
            env.put(WorkerSettings.RUNNERS, "1");
        }
        return env;
    }

    /** Per worker slot: one crash point each (kill scenario), or the poison (poison scenario). */
    private Map<String, String> faultEnv(Map<String, String> base, int slot) {
        Map<String, String> env = new HashMap<>(base);
        switch (options.scenario()) {
            case KILL -> {
                FaultInjection.Point point = FaultInjection.Point.values()[slot % FaultInjection.Point.values().length];
                env.put(FaultInjection.CRASH_POINTS, point.id());
                env.put(FaultInjection.CRASH_PROBABILITY, "0.002");
            }
            case POISON -> env.put(FaultInjection.POISON_TEXT, POISON);
            case RESTART, CRASH -> { }
        }
        return env;
    }

    // ------------------------------------------------------------------------------------------ submit

    private void submitAll(EbbClient client) throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        int poisonEvery = 100;
        List<Ledger.Entry> entries = new ArrayList<>();
        int number = 0;
        for (int i = 0; i < options.jobs(); i++) {
            entries.add(ledger.add(number, "fault-" + run + "-" + number, i + " plus 7 = " + (i + 7), false));
            number++;
            if (options.scenario() == Scenario.POISON && i % poisonEvery == poisonEvery / 2) {
                entries.add(ledger.add(number, "fault-" + run + "-" + number, i + " plus " + POISON + " = "
                        + (i + Integer.parseInt(POISON)), true));
                number++;
            }
        }
        if (options.scenario() == Scenario.POISON) {
            while (entries.stream().filter(e -> e.poison).count() < 5) {
                int i = entries.size();
                entries.add(ledger.add(number, "fault-" + run + "-" + number, i + " plus " + POISON + " = "
                        + (i + Integer.parseInt(POISON)), true));
                number++;
            }
        }
        submitEntries(client, entries);
    }

    /** Submits every entry, {@code options.clients()} at a time; returns once each was accepted or given up. */
    private void submitEntries(EbbClient client, List<Ledger.Entry> entries) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(options.clients(),
                Thread.ofPlatform().name("client-", 0).factory());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Ledger.Entry entry : entries) {
                done.add(clients.submit(() -> {
                    submit(client, entry);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            clients.shutdown();
        }
    }

    /** Submits until a 202 (the same idempotency key on every try), or gives up after a minute of failures. */
    private void submit(EbbClient client, Ledger.Entry entry) throws InterruptedException {
        String text = entry.expectedText.substring(0, entry.expectedText.indexOf(" = "));
        String body = Json.write(Json.MAPPER.createObjectNode().put("task", "math")
                .put("idempotencyKey", entry.idempotencyKey)
                .put("cache", "off") // every job must run: the ledger counts runs
                .set("input", Json.MAPPER.createObjectNode().put("text", "What is " + text + "?")));
        // A crash takes the API away until the local cloud is up again: long enough to start a JVM on a busy machine.
        long giveUp = System.nanoTime() + Duration.ofSeconds(options.scenario() == Scenario.CRASH ? 240 : 60).toNanos();
        long pause = 100;
        while (true) {
            try {
                EbbClient.Response response = client.submit(body);
                if (response.status() == 202 || response.status() == 200) {
                    entry.jobId = response.body().path("jobId").asText();
                    entry.acceptedAtNanos = System.nanoTime();
                    entry.accepted = true;
                    return;
                }
                if (response.status() < 500 && response.status() != 429) {
                    throw new IllegalStateException("submit refused with " + response.status() + ": " + response.body());
                }
            } catch (IOException e) {
                // A timeout or a refused connection: the outcome is unknown; the retry with the same key resolves it.
            }
            entry.submitFailures++;
            submitRetries.incrementAndGet();
            if (System.nanoTime() > giveUp) {
                return; // not accepted: the client was told so (5xx) or never got an answer
            }
            Thread.sleep(pause + ThreadLocalRandom.current().nextLong(pause));
            pause = Math.min(2_000, pause * 2);
        }
    }

    // ------------------------------------------------------------------------------------------ faults

    private void injectFaults(WorkerFleet fleet, LocalCloud cloud) {
        try {
            switch (options.scenario()) {
                case KILL -> {
                    fleet.minUptime(options.killEvery());
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(options.killEvery());
                        fleet.killOne();
                    }
                }
                case RESTART -> {
                    phase("before");
                    awaitAccepted(options.jobs() / 4);
                    outage("sqs", cloud::stopSqs, cloud::startSqs);
                    awaitAccepted(options.jobs() / 2);
                    outage("dynamodb", cloud::stopDynamoDb, cloud::startDynamoDb);
                }
                case POISON, CRASH -> { }
            }
        } catch (InterruptedException e) {
            // the run is over
        } catch (Exception e) {
            out.println("fault injection failed: " + e);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private void outage(String server, Step stop, Step start) throws Exception {
        phase(server + " down");
        out.printf("stopping %s for 3 s%n", server);
        stop.run();
        Thread.sleep(3_000);
        start.run();
        out.printf("%s is back%n", server);
        phase("after " + server);
    }

    private synchronized void phase(String name) {
        long now = System.nanoTime();
        phases.values().forEach(p -> {
            if (p[1] == 0) {
                p[1] = now;
            }
        });
        phases.put(name, new long[] {now, 0});
    }

    private void awaitAccepted(int count) throws InterruptedException {
        while (ledger.all().stream().filter(e -> e.accepted).count() < count) {
            Thread.sleep(50);
        }
    }

    // ------------------------------------------------------------------------------------------ observe

    /** Reads every entry's job until it is terminal or the deadline passes; records the first terminal state. */
    private void awaitTerminal(EbbClient client, List<Ledger.Entry> entries, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        ExecutorService readers = Executors.newFixedThreadPool(8, Thread.ofPlatform().name("reader-", 0).factory());
        long accepted = entries.stream().filter(e -> e.accepted).count();
        progress.start("jobs ended", accepted);
        try {
            while (System.nanoTime() < deadline) {
                List<Ledger.Entry> open = entries.stream().filter(e -> e.accepted && e.first == null).toList();
                progress.stepTo(accepted - open.size());
                if (open.isEmpty()) {
                    return;
                }
                List<Future<?>> reads = new ArrayList<>();
                for (Ledger.Entry entry : open) {
                    reads.add(readers.submit(() -> {
                        Ledger.Terminal seen = read(client, entry);
                        if (seen != null && entry.first == null) {
                            entry.first = seen;
                        }
                        return null;
                    }));
                }
                for (Future<?> read : reads) {
                    read.get();
                }
                Thread.sleep(500);
            }
        } finally {
            progress.close();
            readers.shutdown();
        }
    }

    /** The job's terminal state, or null while it runs (or the API cannot answer now). */
    private static Ledger.Terminal read(EbbClient client, Ledger.Entry entry) throws InterruptedException {
        try {
            EbbClient.Response response = client.get(entry.jobId);
            if (response.status() != 200) {
                return null;
            }
            JsonNode job = response.body();
            String status = job.path("status").asText();
            return status.equals("SUCCEEDED") || status.equals("FAILED") || status.equals("CANCELLED")
                    ? Ledger.Terminal.of(job) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private record PoisonFigures(int jobs, int deadLettered, int withinMaxReceives, int redriven, int succeeded) {
        PoisonFigures() {
            this(0, 0, 0, 0, 0);
        }
    }

    /** Poison jobs must end FAILED (dead_lettered); then the cause is fixed, a redrive runs, and they succeed. */
    private PoisonFigures poison(EbbClient client, WorkerFleet fleet, Map<String, String> base, LocalRuntime runtime)
            throws Exception {
        List<Ledger.Entry> poison = ledger.all().stream().filter(e -> e.poison && e.accepted).toList();
        awaitTerminal(client, poison, Duration.ofSeconds(300));
        int deadLettered = 0;
        int within = 0;
        for (Ledger.Entry entry : poison) {
            if (entry.first != null && "FAILED".equals(entry.first.status()) && "dead_lettered".equals(entry.first.errorCode())) {
                deadLettered++;
                if (entry.first.attempts() <= MAX_RUNS) {
                    within++;
                }
            }
        }
        out.printf("poison: %d of %d jobs FAILED dead_lettered; fixing the workers and redriving%n", deadLettered,
                poison.size());
        fleet.replaceAll(slot -> base); // the fix: workers without the poison
        int redriven = 0;
        DependencyFactory functions = new DependencyFactory(runtime.env());
        for (Lane lane : Lane.values()) {
            redriven += functions.deadLetters().redrive(lane, 100_000).redriven();
        }
        // Every dead-lettered job was redriven, the poison ones and any healthy job that shared a crashed worker
        // with them often enough to reach maxReceiveCount: read them afresh, their outcome is the redriven one.
        List<Ledger.Entry> redrivenEntries = ledger.all().stream().filter(e -> e.accepted && e.first != null
                && "dead_lettered".equals(e.first.errorCode())).toList();
        redrivenEntries.stream().filter(e -> !e.poison).forEach(e -> healthyFailures.merge(e.first.errorCode(), 1,
                Integer::sum));
        List<Ledger.Entry> again = new ArrayList<>();
        for (Ledger.Entry entry : redrivenEntries) {
            Ledger.Entry fresh = new Ledger.Entry(entry.number, entry.idempotencyKey, entry.expectedText, entry.poison);
            fresh.jobId = entry.jobId;
            fresh.accepted = true;
            again.add(fresh);
        }
        awaitTerminal(client, again, Duration.ofSeconds(180));
        int succeeded = 0;
        for (int i = 0; i < redrivenEntries.size(); i++) {
            Ledger.Terminal after = again.get(i).first;
            if (redrivenEntries.get(i).poison && after != null && after.status().equals("SUCCEEDED")
                    && entryTextMatches(redrivenEntries.get(i), after)) {
                succeeded++;
            }
            redrivenEntries.get(i).first = after; // null (not ended after the redrive) counts as lost
        }
        collateral = (int) redrivenEntries.stream().filter(e -> !e.poison).count();
        return new PoisonFigures(poison.size(), deadLettered, within, redriven, succeeded);
    }

    private static boolean entryTextMatches(Ledger.Entry entry, Ledger.Terminal terminal) {
        return entry.expectedText.equals(terminal.resultText());
    }

    // ------------------------------------------------------------------------------------------ count

    private Report report(EbbClient client, WorkerFleet fleet, PoisonFigures poison, long elapsedNanos)
            throws Exception {
        return report(client, fleet.exits(), fleet.kills(), poison, elapsedNanos);
    }

    private Report report(EbbClient client, Map<String, Integer> workerExits, long kills, PoisonFigures poison,
                          long elapsedNanos) throws Exception {
        List<Ledger.Entry> all = ledger.all();
        // The second look, after the faults stopped: what each job shows now.
        ExecutorService readers = Executors.newFixedThreadPool(8, Thread.ofPlatform().name("reader-", 0).factory());
        try {
            List<Future<?>> reads = new ArrayList<>();
            for (Ledger.Entry entry : all) {
                if (entry.accepted && entry.first != null) {
                    reads.add(readers.submit(() -> {
                        entry.last = read(client, entry);
                        return null;
                    }));
                }
            }
            for (Future<?> read : reads) {
                read.get();
            }
        } finally {
            readers.shutdown();
        }
        int accepted = 0;
        int notAccepted = 0;
        int lost = 0;
        int unexpected = 0;
        int duplicateResults = 0;
        int duplicateExecutions = 0;
        int runMoreThanOnce = 0;
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        List<Long> times = new ArrayList<>();
        for (Ledger.Entry entry : all) {
            if (!entry.accepted) {
                notAccepted++;
                continue;
            }
            accepted++;
            if (entry.first == null) {
                lost++;
                continue;
            }
            Ledger.Terminal now = entry.last;
            if (now == null || !now.sameOutcome(entry.first)) {
                duplicateResults++; // the visible outcome changed after the job had ended
            }
            Ledger.Terminal seen = now != null ? now : entry.first;
            String outcome = seen.status() + (seen.errorCode() != null ? "(" + seen.errorCode() + ")" : "");
            outcomes.merge(outcome, 1, Integer::sum);
            if (seen.status().equals("SUCCEEDED") && !entry.expectedText.equals(seen.resultText())) {
                unexpected++; // a result that is not the answer to what this client asked
            }
            if (seen.status().equals("FAILED") && (seen.errorCode() == null || seen.errorMessage() == null)) {
                unexpected++; // FAILED without a reason
            }
            if (seen.status().equals("FAILED") && !entry.poison) {
                healthyFailures.merge(String.valueOf(seen.errorCode()), 1, Integer::sum);
            }
            if (seen.attempts() > 1) {
                runMoreThanOnce++;
                duplicateExecutions += seen.attempts() - 1;
            }
            times.add(seen.totalMs());
        }
        // A job the client was never given a 202 for must not exist: the 5xx it got must have been the truth. Its id
        // follows from the tenant and the idempotency key, so the client can look.
        for (Ledger.Entry entry : all) {
            if (!entry.accepted) {
                try {
                    if (client.get(JobIds.fromIdempotencyKey(tenant, entry.idempotencyKey)).status() != 404) {
                        unexpected++;
                    }
                } catch (IOException e) {
                    unexpected++; // cannot tell: count it against the run
                }
            }
        }
        times.sort(null);
        Map<String, Integer> byPhase = new LinkedHashMap<>();
        synchronized (this) {
            for (Map.Entry<String, long[]> phase : phases.entrySet()) {
                long from = phase.getValue()[0];
                long to = phase.getValue()[1] == 0 ? Long.MAX_VALUE : phase.getValue()[1];
                int count = 0;
                for (Ledger.Entry entry : all) {
                    if (entry.accepted && entry.acceptedAtNanos >= from && entry.acceptedAtNanos < to) {
                        count++;
                    }
                }
                byPhase.put(phase.getKey(), count);
            }
        }
        return new Report(options.scenario(), all.size(), accepted, notAccepted, submitRetries.get(), lost, unexpected,
                duplicateResults, duplicateExecutions, runMoreThanOnce, outcomes, workerExits, kills,
                byPhase, poison.jobs(), poison.deadLettered(), poison.withinMaxReceives(), poison.redriven(),
                poison.succeeded(), collateral, percentile(times, 50), percentile(times, 99),
                times.isEmpty() ? 0 : times.get(times.size() - 1), TimeUnit.NANOSECONDS.toMillis(elapsedNanos),
                new HealthyFailures(Map.copyOf(healthyFailures)));
    }

    /** Healthy jobs that ended FAILED, by error code (the kill and poison scenarios must have none). */
    public record HealthyFailures(Map<String, Integer> byCode) {
        public int failed() {
            return byCode.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
