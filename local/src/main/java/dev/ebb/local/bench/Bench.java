package dev.ebb.local.bench;

import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.cli.Progress;
import dev.ebb.local.cli.EbbClient;
import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ebb bench}: the pipeline end to end (HTTP submit → DynamoDB → SQS → cpu lane → DynamoDB, one request per
 * job, waited for) against its floor (the same SQS and DynamoDB calls per job made directly, no HTTP, no handlers,
 * no worker), side by side on one local cloud whose state is on disk.
 */
public final class Bench {
    private Bench() {
    }

    /** What the jobs of a run cost, summed from their {@code cost} fields (US dollars). */
    record Costs(double total, double plumbing, double compute, int jobs) {
        String per1000() {
            return jobs == 0 ? "-" : String.format("$%.4f (plumbing $%.4f, compute $%.4f)", 1000 * total / jobs,
                    1000 * plumbing / jobs, 1000 * compute / jobs);
        }
    }

    /**
     * @param cpu   CPU milliseconds per job, total first, then by part ({@link CpuAccount#perJob})
     * @param calls the AWS SDK calls of the run by service and operation ({@link SdkCalls})
     */
    record Result(String name, int jobs, double seconds, long[] submitNanos, Costs costs, Map<String, Double> cpu,
                  Map<String, Long> calls) {

        double jobsPerSecond() {
            return jobs / seconds;
        }

        String percentiles() {
            if (submitNanos.length == 0) {
                return "-";
            }
            long[] sorted = submitNanos.clone();
            Arrays.sort(sorted);
            return String.format("%.1f / %.1f / %.1f", p(sorted, 0.50), p(sorted, 0.95), p(sorted, 0.99));
        }

        private static double p(long[] sorted, double q) {
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
        }
    }

    /** Jobs a round, client threads, rounds, and warm-up jobs (the JIT needs 30-60 s on 2 cores). */
    public record Options(int jobs, int clients, int rounds, int warmup) {
    }

    public static int run(Options options, PrintStream out, Progress progress) throws IOException, InterruptedException {
        int jobs = options.jobs();
        int clients = options.clients();
        int rounds = options.rounds();
        int warmup = options.warmup();
        Path data = Files.createTempDirectory("ebb-bench-");
        out.printf("ebb bench: %d math jobs a round, %d client threads, %d rounds after %d warm-up jobs; state on disk in %s%n",
                jobs, clients, rounds, warmup, data);
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.ephemeral(data)
                .withCpuConcurrency(Math.max(2, clients / 4)))) {
            EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create("bench"));
            try (Floor floor = new Floor(runtime)) {
                return rounds(runtime, client, floor, options, out, progress);
            }
        }
    }

    private static int rounds(LocalRuntime runtime, EbbClient client, Floor floor, Options options, PrintStream out,
                              Progress progress) throws InterruptedException {
        int jobs = options.jobs();
        int clients = options.clients();
        int rounds = options.rounds();
        int warmup = options.warmup();
        progress.start("warm-up", warmup);
        endToEnd(client, warmup, clients, progress);
        floor.run(warmup, clients);
        List<Result> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            progress.start("round " + round + "/" + rounds, jobs);
            Result e2e = endToEnd(client, jobs, clients, progress);
            Result direct = floor.run(jobs, clients);
            results.add(e2e);
            results.add(direct);
            progress.close();
            out.printf("round %d: end to end %.0f jobs/s, floor %.0f jobs/s, ratio %.2f; cost per 1,000 jobs %s%n",
                    round, e2e.jobsPerSecond(), direct.jobsPerSecond(), e2e.jobsPerSecond() / direct.jobsPerSecond(),
                    e2e.costs().per1000());
            out.printf("         CPU per job: end to end %s%n", CpuAccount.format(e2e.cpu()));
            out.printf("                      floor      %s%n", CpuAccount.format(direct.cpu()));
            out.printf("         SDK calls per job: end to end %s%n", SdkCalls.perJob(e2e.calls(), jobs));
            out.printf("                            floor      %s%n", SdkCalls.perJob(direct.calls(), jobs));
        }
        out.printf("%n| run | jobs | seconds | jobs/s | submit p50 / p95 / p99 ms |%n|---|---|---|---|---|%n");
        for (Result r : results) {
            out.printf("| %s | %d | %.2f | %.0f | %s |%n", r.name(), r.jobs(), r.seconds(), r.jobsPerSecond(), r.percentiles());
        }
        // The runtime's own metrics (what its dashboard shows) against the bench's count of what it submitted.
        var totals = runtime.metrics().snapshot().path("totals");
        int submittedHere = warmup + rounds * jobs;
        out.printf("%nmetrics: %d accepted, %d succeeded (the bench submitted %d through the API)%n",
                totals.path("JobsAccepted").asLong(), totals.path("JobsSucceeded").asLong(), submittedHere);
        return 0;
    }

    /** Submits {@code jobs} through the HTTP API from {@code clients} threads, then waits until all have ended. */
    static Result endToEnd(EbbClient client, int jobs, int clients, Progress progress) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(clients,
                Thread.ofPlatform().name("bench-client-", 0).daemon().factory());
        try {
            return endToEnd(client, jobs, clients, progress, pool);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Result endToEnd(EbbClient client, int jobs, int clients, Progress progress, ExecutorService pool)
            throws InterruptedException {
        CpuAccount cpu = new CpuAccount();
        CpuAccount.Snapshot cpuBefore = cpu.take();
        SdkCalls.start();
        long[] latencies = new long[jobs];
        String[] ids = new String[jobs];
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        Instant startedAt = Instant.now();
        parallel(pool, clients, () -> {
            for (int i = next.getAndIncrement(); i < jobs; i = next.getAndIncrement()) {
                // cache off: every round runs every job (rounds repeat the same inputs; docs/benchmarks.md)
                String body = "{\"task\":\"math\",\"cache\":\"off\",\"input\":{\"text\":\"What is " + i
                        + " divided by 2?\"}}";
                long t0 = System.nanoTime();
                EbbClient.Response response = client.submit(body);
                latencies[i] = System.nanoTime() - t0;
                if (response.status() != 202) {
                    throw new IllegalStateException("submit answered " + response.status() + " " + response.body());
                }
                ids[i] = response.body().path("jobId").asText();
            }
        });
        // Completion time is the server's finishedAt of the last job, so the polling below is not measured.
        AtomicLong lastFinished = new AtomicLong();
        AtomicInteger index = new AtomicInteger();
        java.util.concurrent.atomic.DoubleAdder total = new java.util.concurrent.atomic.DoubleAdder();
        java.util.concurrent.atomic.DoubleAdder plumbing = new java.util.concurrent.atomic.DoubleAdder();
        java.util.concurrent.atomic.DoubleAdder compute = new java.util.concurrent.atomic.DoubleAdder();
        AtomicInteger costed = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        parallel(pool, clients, () -> {
            for (int i = index.getAndIncrement(); i < jobs; i = index.getAndIncrement()) {
                EbbClient.Response job = client.await(ids[i], Duration.ofMinutes(5), j -> { });
                if (!job.body().path("status").asText().equals("SUCCEEDED")) {
                    throw new IllegalStateException("job " + ids[i] + " ended " + job.body());
                }
                long finished = Instant.parse(job.body().path("timings").path("finishedAt").asText()).toEpochMilli();
                var cost = job.body().path("cost");
                if (cost.has("total")) {
                    total.add(cost.path("total").asDouble());
                    plumbing.add(cost.path("plumbing").asDouble());
                    compute.add(cost.path("compute").asDouble());
                    costed.incrementAndGet();
                }
                lastFinished.accumulateAndGet(finished, Math::max);
                progress.stepTo(ended.incrementAndGet());
            }
        });
        double seconds = Math.max(1, lastFinished.get() - startedAt.toEpochMilli()) / 1e3;
        if (lastFinished.get() == 0) {
            seconds = (System.nanoTime() - start) / 1e9;
        }
        return new Result("end to end (HTTP)", jobs, seconds, latencies,
                new Costs(total.sum(), plumbing.sum(), compute.sum(), costed.get()),
                CpuAccount.perJob(cpuBefore, cpu.take(), jobs), SdkCalls.stop());
    }

    /**
     * The floor: the calls the pipeline makes per job, grouped the way it groups them, made directly on the same
     * servers in a tight loop — puts in transactions of up to 25 and sends in batches of 10 (what group commit
     * does for concurrent submits), then receive 10, claim them in one transaction, complete them in one, delete
     * them in one batch (what a worker does).
     */
    static final class Floor implements AutoCloseable {
        private static final int GROUP = 25;
        private static final int PRODUCERS = 2;
        private static final int CONSUMERS = 2;
        /** Long-lived, so that the CPU account sees its threads' time (an ended thread's is lost to it). */
        private final ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + CONSUMERS,
                Thread.ofPlatform().name("bench-floor-", 0).daemon().factory());
        private final JobStore store;
        private final JobQueue queue;

        Floor(LocalRuntime runtime) {
            String url = runtime.cloud().sqsClient().createQueue(r -> r.queueName("ebb-bench-floor")
                    .attributesWithStrings(Map.of("VisibilityTimeout", "60"))).queueUrl();
            this.store = new DynamoDbJobStore(runtime.cloud().dynamoDbClient(), "ebb-jobs");
            // The floor's own queue stands in for the cpu lane, which the runtime's workers would otherwise drain.
            this.queue = new SqsJobQueue(runtime.cloud().sqsClient(), Map.of(Lane.CPU, url));
        }

        Result run(int jobs, int clients) throws InterruptedException {
            AtomicInteger next = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            CpuAccount cpu = new CpuAccount();
            CpuAccount.Snapshot cpuBefore = cpu.take();
            SdkCalls.start();
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < PRODUCERS; c++) {
                futures.add(pool.submit(() -> {
                    for (int from = next.getAndAdd(GROUP); from < jobs; from = next.getAndAdd(GROUP)) {
                        Instant now = Instant.now();
                        List<Job> group = new ArrayList<>();
                        for (int i = from; i < Math.min(jobs, from + GROUP); i++) {
                            group.add(Job.queued(JobIds.random(), "bench", "math", Lane.CPU, null,
                                    Json.MAPPER.createObjectNode().put("text", "What is " + i + " divided by 2?"),
                                    null, null, now, now.plus(Duration.ofDays(1))));
                        }
                        store.createAll(group);
                        queue.sendAll(Lane.CPU, group.stream().map(JobEnvelope::of).toList());
                    }
                    return null;
                }));
            }
            for (int c = 0; c < CONSUMERS; c++) {
                futures.add(pool.submit(() -> {
                    String owner = "floor-" + Thread.currentThread().threadId();
                    while (done.get() < jobs) {
                        List<QueueMessage> messages = queue.receive(Lane.CPU, 10, Duration.ofSeconds(1));
                        List<String> ids = new ArrayList<>();
                        for (QueueMessage message : messages) {
                            ids.add(JobEnvelope.parse(message.body()).jobId());
                        }
                        Instant now = Instant.now();
                        store.claimAll(ids, owner, now.plusSeconds(50), now);
                        store.completeAll(ids.stream().map(id -> new JobStore.Completion(id,
                                Outcome.success(Json.MAPPER.createObjectNode().put("text", "x")))).toList(),
                                owner, now, now.plus(Duration.ofDays(1)));
                        queue.delete(Lane.CPU, messages);
                        done.addAndGet(messages.size());
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> future : futures) {
                    future.get();
                }
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("floor run failed", e.getCause());
            } finally {
                futures.forEach(f -> f.cancel(true));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Long> calls = SdkCalls.stop();
            return new Result("floor (direct SQS + DynamoDB)", jobs, seconds, new long[0], null,
                    CpuAccount.perJob(cpuBefore, cpu.take(), jobs), calls);
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on {@code threads} new threads and waits for all. */
    static void parallel(int threads, Body body) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            parallel(pool, threads, body);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs {@code body} on {@code threads} threads of {@code pool} and waits for all; the pool stays up. */
    static void parallel(ExecutorService pool, int threads, Body body) throws InterruptedException {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                body.run();
                return null;
            }));
        }
        try {
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }
}
