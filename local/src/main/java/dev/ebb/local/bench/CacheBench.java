package dev.ebb.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.local.cli.EbbClient;
import dev.ebb.local.runtime.LocalRuntime;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ebb bench cache}: a Zipf-distributed workload of repeated {@code embed} and {@code classify} requests through
 * the HTTP API of a throw-away local cloud (one in-process gpu worker), run twice on the same sequence — once with
 * {@code cache: "off"}, once with the default — by clients that each wait for their job's result before sending the
 * next request. Reports the hit rate, the hit path's latency (submit → 200 with the cached result, measured at the
 * client), the wall time of each run, and the worker time the hits saved as {@code GET /v1/usage} counts it (each
 * hit credits the compute time of the run that filled its entry).
 */
public final class CacheBench {
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final String LABELS = "[{\"label\":\"positive\",\"examples\":[\"I really like it\","
            + "\"This is great\"]},{\"label\":\"negative\",\"examples\":[\"I hate it\",\"This is terrible\"]}]";

    /**
     * @param distinct how many different requests exist (half embed, half classify)
     * @param requests how many are sent in each run
     * @param skew     the Zipf exponent: the k-th most popular request is drawn with weight 1/k^skew
     * @param clients  client threads, each waiting for its result before its next request
     * @param seed     of the random sequence (the same for both runs)
     */
    public record Config(int distinct, int requests, double skew, int clients, long seed) {
        public Config {
            if (distinct < 1 || requests < 1 || clients < 1 || !(skew >= 0)) {
                throw new IllegalArgumentException("distinct, requests and clients must be at least 1, skew at least 0");
            }
        }
    }

    /** One run's figures. */
    record Run(String name, int requests, int hits, double seconds, long[] hitNanos, long[] missNanos,
               double workerSecondsSaved) {
        double hitRate() {
            return (double) hits / requests;
        }
    }

    private CacheBench() {
    }

    public static int run(Config config, PrintStream out) throws IOException, InterruptedException {
        int[] sequence = zipfSequence(config);
        Path data = Files.createTempDirectory("ebb-bench-cache-");
        out.printf("ebb bench cache: %d requests over %d distinct (embed and classify), Zipf skew %.2f, %d clients "
                        + "waiting for each result, seed %d; %d CPUs; state on disk in %s%n", config.requests(),
                config.distinct(), config.skew(), config.clients(), config.seed(),
                Runtime.getRuntime().availableProcessors(), data);
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.ephemeral(data))) {
            // Warm the model and the path with requests outside the measured set.
            EbbClient warm = new EbbClient(runtime.apiEndpoint(), runtime.keys().create("bench-cache-warmup"));
            for (int i = 0; i < 20; i++) {
                send(warm, request(-1 - i, "off"));
            }
            Run off = measure("cache off", runtime, "bench-cache-off", sequence, "off", config.clients());
            out.printf("%s: %.1f s%n", off.name(), off.seconds());
            Run on = measure("cache default", runtime, "bench-cache-on", sequence, null, config.clients());
            out.printf("%s: %.1f s, hit rate %.1f%%%n", on.name(), on.seconds(), 100 * on.hitRate());
            out.printf("%n| run | requests | hit rate | wall s | hit p50 / p99 ms | miss (submit → result) p50 / p99 ms "
                    + "| worker-s saved (usage) |%n|---|---:|---:|---:|---:|---:|---:|%n");
            for (Run r : List.of(off, on)) {
                out.printf("| %s | %d | %.1f%% | %.1f | %s | %s | %.1f |%n", r.name(), r.requests(),
                        100 * r.hitRate(), r.seconds(), percentiles(r.hitNanos()), percentiles(r.missNanos()),
                        r.workerSecondsSaved());
            }
            out.printf("%nwall time saved against cache off: %.1f s (%.0f%%)%n", off.seconds() - on.seconds(),
                    100 * (off.seconds() - on.seconds()) / off.seconds());
        }
        return 0;
    }

    /** Draws {@code requests} indexes in [0, distinct) with P(k) ∝ 1/(k+1)^skew. */
    static int[] zipfSequence(Config config) {
        double[] cumulative = new double[config.distinct()];
        double sum = 0;
        for (int k = 0; k < cumulative.length; k++) {
            sum += 1 / Math.pow(k + 1, config.skew());
            cumulative[k] = sum;
        }
        Random random = new Random(config.seed());
        int[] sequence = new int[config.requests()];
        for (int i = 0; i < sequence.length; i++) {
            int k = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
            sequence[i] = Math.min(cumulative.length - 1, k >= 0 ? k : -k - 1);
        }
        return sequence;
    }

    private static Run measure(String name, LocalRuntime runtime, String tenant, int[] sequence, String cache,
                               int clients) throws InterruptedException, IOException {
        EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create(tenant));
        long[] latencies = new long[sequence.length];
        boolean[] hit = new boolean[sequence.length];
        AtomicInteger next = new AtomicInteger();
        AtomicLong failures = new AtomicLong();
        long start = System.nanoTime();
        Bench.parallel(clients, () -> {
            for (int i = next.getAndIncrement(); i < sequence.length; i = next.getAndIncrement()) {
                long t0 = System.nanoTime();
                EbbClient.Response response = client.submit(Json.write(request(sequence[i], cache)));
                if (response.status() == 200) {
                    latencies[i] = System.nanoTime() - t0;
                    hit[i] = response.body().path("cached").asBoolean(false);
                    continue;
                }
                if (response.status() != 202) {
                    throw new IllegalStateException("submit answered " + response.status() + " " + response.body());
                }
                JsonNode job = client.await(response.body().path("jobId").asText(), WAIT, j -> { }).body();
                if (!"SUCCEEDED".equals(job.path("status").asText())) {
                    failures.incrementAndGet();
                }
                latencies[i] = System.nanoTime() - t0;
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " jobs did not succeed");
        }
        List<Long> hits = new ArrayList<>();
        List<Long> misses = new ArrayList<>();
        for (int i = 0; i < sequence.length; i++) {
            (hit[i] ? hits : misses).add(latencies[i]);
        }
        Thread.sleep(1_100); // the usage counters are written at most once a second per tenant
        double saved = client.usage().body().at("/cache/workerSecondsSaved").asDouble();
        return new Run(name, sequence.length, hits.size(), seconds,
                hits.stream().mapToLong(Long::longValue).toArray(), misses.stream().mapToLong(Long::longValue).toArray(),
                saved);
    }

    private static void send(EbbClient client, ObjectNode request) throws IOException, InterruptedException {
        EbbClient.Response response = client.submit(Json.write(request));
        if (response.status() == 202) {
            client.await(response.body().path("jobId").asText(), WAIT, j -> { });
        }
    }

    /** The k-th distinct request: even k embed a sentence, odd k classify one. */
    static ObjectNode request(int k, String cache) {
        String text = "review number " + k + ": the battery lasts " + (k % 17) + " hours and the screen is "
                + (k % 3 == 0 ? "bright" : "dim");
        ObjectNode request = Json.MAPPER.createObjectNode();
        if (Math.floorMod(k, 2) == 0) {
            request.put("task", "embed").put("input", text);
        } else {
            request.put("task", "classify").set("input", Json.MAPPER.createObjectNode().put("text", text)
                    .set("labels", Json.readTrusted(LABELS)));
        }
        if (cache != null) {
            request.put("cache", cache);
        }
        return request;
    }

    private static String percentiles(long[] nanos) {
        if (nanos.length == 0) {
            return "-";
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format("%.1f / %.1f", p(sorted, 0.50), p(sorted, 0.99));
    }

    private static double p(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
