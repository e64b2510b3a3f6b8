package dev.ebb.local.bench;

import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.cli.Progress;
import dev.ebb.local.cli.EbbClient;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.config.Settings;
import dev.ebb.core.task.embed.EmbeddingModels;
import dev.ebb.local.cloud.ResourceSpec;
import dev.ebb.worker.Worker;
import dev.ebb.worker.WorkerMain;
import dev.ebb.worker.WorkerSettings;
import dev.ebb.worker.model.EmbeddingModel;
import dev.ebb.worker.model.ModelSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ebb bench embed}: the embedding model's sentences/s through DJL alone (one thread, {@code batchPredict} at
 * batch 1, 8 and 32) beside the whole pipeline's (HTTP submit → SQS → gpu worker → DynamoDB, waited for) with the
 * worker's {@code maxBatchSize} at the same values, for each model, in one run on one machine.
 */
public final class EmbedBench {
    private static final int[] BATCHES = {1, 8, 32};

    private EmbedBench() {
    }

    /**
     * @param models      the models (null: every one)
     * @param textsPerJob the job shapes measured through the pipeline
     * @param runners     the worker's runner threads (EBB_RUNNERS): how many batches run through the model at once;
     *                    null for the worker's default
     */
    public record Options(List<String> models, int texts, List<Integer> textsPerJob, int clients, int warmup,
                          Integer runners) {
    }

    public static int run(Options options, PrintStream out, Progress progress) throws IOException, InterruptedException {
        List<String> models = options.models() == null ? EmbeddingModels.NAMES : options.models();
        int texts = options.texts();
        int clients = options.clients();
        int warmup = options.warmup();
        String runners = options.runners() == null ? "" : options.runners().toString();
        List<Integer> perJob = options.textsPerJob();
        List<String> sentences = sentences(texts);
        Path data = Files.createTempDirectory("ebb-bench-embed-");
        out.printf("ebb bench embed: %d sentences a run, %d client threads, texts per job %s, %d warm-up sentences, "
                + "worker runners %s; %d CPUs; state on disk in %s%n", texts, clients, perJob, warmup,
                runners.isBlank() ? "default" : runners, Runtime.getRuntime().availableProcessors(), data);
        List<String> rows = new ArrayList<>();
        try (LocalRuntime runtime = LocalRuntime.start(new LocalRuntime.Options(data, "127.0.0.1", 0, 0, 0, 0, 2,
                Map.of()))) {
            EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create("bench"));
            Map<String, String> baseEnv = new HashMap<>(LocalRuntime.environment(runtime.cloud(),
                    runtime.cloud().provision(ResourceSpec.defaults())));
            baseEnv.put(WorkerSettings.POLL_WAIT_SECONDS, "1");
            if (!runners.isBlank()) {
                baseEnv.put(WorkerSettings.RUNNERS, runners.strip());
            }
            // EBB_DEVICE and EBB_MODEL_DIR of this process apply to both the raw model and the worker.
            for (String name : List.of(ModelSettings.DEVICE, ModelSettings.MODEL_DIR)) {
                if (System.getenv(name) != null) {
                    baseEnv.put(name, System.getenv(name));
                }
            }
            for (String model : models) {
                Map<String, String> modelEnv = new HashMap<>(baseEnv);
                modelEnv.put(ModelSettings.MODEL, model);
                ModelSettings modelSettings = ModelSettings.fromEnv(modelEnv);
                double[] raw = new double[BATCHES.length];
                double[][] pipeline = new double[perJob.size()][BATCHES.length];
                try (EmbeddingModel direct = EmbeddingModel.load(model, modelSettings.modelDir(),
                        modelSettings.device())) {
                    out.printf("%s on %s%n", model, direct.device());
                    rawRate(direct, sentences.subList(0, Math.min(warmup, texts)), 32);
                    progress.start(model, BATCHES.length);
                    for (int b = 0; b < BATCHES.length; b++) {
                        progress.stepTo(b);
                        Map<String, String> env = new HashMap<>(modelEnv);
                        env.put(WorkerSettings.MAX_BATCH_SIZE, String.valueOf(BATCHES[b]));
                        Worker worker = WorkerMain.create(env, Settings.fromEnv(env), WorkerSettings.fromEnv(env),
                                WorkerMain.tasks(env));
                        worker.start();
                        try {
                            if (b == 0) {
                                // The pipeline's code (the worker's, and the local cloud's servers') is JIT-compiled
                                // while it runs: warm every job shape up before anything is measured.
                                for (int size : perJob) {
                                    // Other sentences than the measured ones: a result cache must not flatter a run.
                                    pipelineRate(client, sentences(texts + warmup).subList(texts, texts + warmup), size,
                                            clients);
                                }
                            }
                            // Raw and pipeline back to back at each setting, so both see the same machine.
                            raw[b] = rawRate(direct, sentences, BATCHES[b]);
                            out.printf("  raw DJL batch %2d: %.0f sentences/s%n", BATCHES[b], raw[b]);
                            for (int k = 0; k < perJob.size(); k++) {
                                pipeline[k][b] = pipelineRate(client, sentences, perJob.get(k), clients);
                                out.printf("  pipeline max batch %2d, %d text(s)/job: %.0f sentences/s (%.0f%% of raw)%n",
                                        BATCHES[b], perJob.get(k), pipeline[k][b], 100 * pipeline[k][b] / raw[b]);
                            }
                        } finally {
                            worker.shutdown();
                            worker.awaitTermination(Duration.ofSeconds(30));
                        }
                    }
                    progress.close();
                }
                for (int k = 0; k < perJob.size(); k++) {
                    double[] p = pipeline[k];
                    double rawGain = raw[2] / raw[0];
                    double pipelineGain = p[2] / p[0];
                    rows.add(String.format("| %s | %d | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.0f%% | %.2f× / %.2f× (%.0f%%) |",
                            model, perJob.get(k), raw[0], raw[1], raw[2], p[0], p[1], p[2],
                            100 * p[2] / raw[2], rawGain, pipelineGain, 100 * pipelineGain / rawGain));
                }
            }
        }
        out.printf("%n| model | texts per job | raw DJL sentences/s at batch 1 / 8 / 32 | pipeline sentences/s at "
                + "max batch 1 / 8 / 32 | pipeline ÷ raw at 32 | batching gain 32 vs 1: raw / pipeline "
                + "(pipeline ÷ raw) |%n|---|---|---|---|---|---|%n");
        rows.forEach(out::println);
        out.printf("%npeak memory of this JVM (local cloud, gateway, worker and models in one process): heap %d MiB, "
                + "resident (VmHWM) %s%n", peakHeapMiB(), vmHwm());
        return 0;
    }

    /** Sentences/s of one thread calling {@code batchPredict} on groups of {@code batch}. */
    static double rawRate(EmbeddingModel model, List<String> sentences, int batch) {
        long start = System.nanoTime();
        for (int from = 0; from < sentences.size(); from += batch) {
            try {
                model.predictor().batchPredict(sentences.subList(from, Math.min(sentences.size(), from + batch)));
            } catch (ai.djl.translate.TranslateException e) {
                throw new IllegalStateException(e);
            }
        }
        return sentences.size() / ((System.nanoTime() - start) / 1e9);
    }

    /** Sentences/s through the API: submit jobs of {@code perJob} texts from many threads, wait for every one. */
    static double pipelineRate(EbbClient client, List<String> sentences, int perJob, int clients)
            throws InterruptedException {
        int jobs = (sentences.size() + perJob - 1) / perJob;
        String[] ids = new String[jobs];
        AtomicInteger next = new AtomicInteger();
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        Bench.parallel(clients, () -> {
            for (int j = next.getAndIncrement(); j < jobs; j = next.getAndIncrement()) {
                // cache off: the same sentences are measured at every batch size, and each must run
                ObjectNode request = Json.MAPPER.createObjectNode().put("task", "embed").put("cache", "off");
                List<String> texts = sentences.subList(j * perJob, Math.min(sentences.size(), (j + 1) * perJob));
                if (perJob == 1) {
                    request.put("input", texts.get(0));
                } else {
                    ArrayNode input = request.putArray("input");
                    texts.forEach(input::add);
                }
                EbbClient.Response response = client.submit(Json.write(request));
                if (response.status() != 202) {
                    throw new IllegalStateException("submit answered " + response.status() + " " + response.body());
                }
                ids[j] = response.body().path("jobId").asText();
            }
        });
        AtomicLong lastFinished = new AtomicLong();
        AtomicInteger index = new AtomicInteger();
        Bench.parallel(clients, () -> {
            for (int j = index.getAndIncrement(); j < jobs; j = index.getAndIncrement()) {
                EbbClient.Response job = client.await(ids[j], Duration.ofMinutes(10), x -> { });
                if (!job.body().path("status").asText().equals("SUCCEEDED")) {
                    throw new IllegalStateException("job " + ids[j] + " ended " + job.body().path("status"));
                }
                lastFinished.accumulateAndGet(
                        Instant.parse(job.body().path("timings").path("finishedAt").asText()).toEpochMilli(), Math::max);
            }
        });
        // The end is the last job's finishedAt on the server, so the polling above is not measured.
        double seconds = lastFinished.get() > 0
                ? Math.max(1, lastFinished.get() - startedAt.toEpochMilli()) / 1e3
                : (System.nanoTime() - start) / 1e9;
        return sentences.size() / seconds;
    }

    /** Short, varied English sentences (8–16 words), the same for every run. */
    static List<String> sentences(int count) {
        String[] subjects = {"The worker", "A small model", "Our queue", "The new phone", "This service", "My team",
                "The cheap GPU", "A long batch", "The weather today", "Every request"};
        String[] verbs = {"handles", "waits for", "returns", "embeds", "ignores", "measures", "stores", "rejects"};
        String[] objects = {"twenty short sentences", "the first message of the day", "a result within ten ms",
                "every job it can claim", "the slow network", "a vector of 384 numbers", "the customer's question",
                "one bad input among many"};
        List<String> sentences = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            sentences.add(subjects[i % subjects.length] + " " + verbs[(i / 10) % verbs.length] + " "
                    + objects[(i / 80) % objects.length] + " in run " + i + ".");
        }
        return sentences;
    }

    private static long peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak >> 20;
    }

    private static String vmHwm() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmHWM:"))
                    .map(line -> line.substring("VmHWM:".length()).strip())
                    .findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown (no /proc)";
        }
    }
}
