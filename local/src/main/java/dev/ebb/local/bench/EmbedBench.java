package dev.ebb.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.task.embed.EmbeddingModels;
import dev.ebb.core.task.embed.VectorEncoding;
import dev.ebb.local.cli.EbbClient;
import dev.ebb.local.cli.Progress;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.runtime.WorkerProcess;
import dev.ebb.worker.WorkerSettings;
import dev.ebb.worker.model.EmbeddingModel;
import dev.ebb.worker.model.ModelSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
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
 * worker's {@code maxBatchSize} at the same values, for each model and each result encoding, in one run on one
 * machine.
 *
 * <p>The model runs in processes of its own, as on AWS: the raw loop in a child JVM ({@link RawModelLoop}), the
 * pipeline's model in a gpu worker process ({@link WorkerProcess}), one at a batch size. Where it can
 * ({@link CpuPinning}), the bench puts both model processes on one CPU, with ONNX Runtime's intra-op threads at 1, and
 * itself — the local cloud's servers, Dynoxide, the gateway and the client threads — on another, so neither side takes
 * the model's core; the worker's CPU time per sentence (its whole process, during the measured window) is reported
 * beside the raw loop's.
 */
public final class EmbedBench {
    private static final int[] BATCHES = {1, 8, 32};
    /** The targets the issue sets: at batch 32, and for the batching gain, the pipeline at ≥ 90 % of the raw model. */
    private static final double TARGET = 0.90;

    private EmbedBench() {
    }

    /**
     * @param models      the models (null: every one)
     * @param textsPerJob the job shapes measured through the pipeline
     * @param encodings   the result encodings measured through the pipeline, side by side
     * @param runners     the worker's runner threads (EBB_RUNNERS): how many batches run through the model at once;
     *                    null for the worker's default
     */
    public record Options(List<String> models, int texts, List<Integer> textsPerJob, List<VectorEncoding> encodings,
                          int clients, int warmup, Integer runners) {
    }

    /** One pipeline run: sentences/s, result JSON bytes per sentence, the worker process's CPU per sentence. */
    record Measured(double sentencesPerSecond, double bytesPerSentence, double cpuMsPerSentence) {
    }

    public static int run(Options options, PrintStream out, Progress progress) throws IOException, InterruptedException {
        int cpus = Runtime.getRuntime().availableProcessors(); // before pinning, which makes it 1
        // First, before any server or thread starts: threads and child processes inherit this process's CPUs.
        CpuPinning pinning = CpuPinning.pinThisProcess();
        List<String> models = options.models() == null ? EmbeddingModels.NAMES : options.models();
        int texts = options.texts();
        int clients = options.clients();
        int warmup = options.warmup();
        List<VectorEncoding> encodings = options.encodings();
        String runners = options.runners() == null ? "" : options.runners().toString();
        List<Integer> perJob = options.textsPerJob();
        Path data = Files.createTempDirectory("ebb-bench-embed-");
        out.printf("ebb bench embed: %d sentences a run, %d client threads, texts per job %s, encodings %s, "
                + "%d warm-up sentences, worker runners %s; %d CPUs; state on disk in %s%n", texts, clients, perJob,
                encodings.stream().map(VectorEncoding::wireName).toList(), warmup,
                runners.isBlank() ? "default" : runners, cpus, data);
        out.println(pinning.describe());
        List<String> rows = new ArrayList<>();
        try (LocalRuntime runtime = LocalRuntime.start(new LocalRuntime.Options(data, "127.0.0.1", 0, 0, 0, 0, 2,
                Map.of()))) {
            EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create("bench"));
            Map<String, String> baseEnv = new HashMap<>(runtime.env());
            // The child JVMs read credentials from the environment, as the local scaler's workers do.
            baseEnv.put("AWS_ACCESS_KEY_ID", "local");
            baseEnv.put("AWS_SECRET_ACCESS_KEY", "local");
            baseEnv.remove(dev.ebb.core.config.Settings.GROUP_COMMIT_THREADS);
            baseEnv.put(WorkerSettings.POLL_WAIT_SECONDS, "1");
            if (!runners.isBlank()) {
                baseEnv.put(WorkerSettings.RUNNERS, runners.strip());
            }
            if (pinning.pinned()) {
                baseEnv.put(ModelSettings.THREADS, "1"); // one core: one ONNX Runtime thread, for both sides
            }
            // EBB_DEVICE and EBB_MODEL_DIR of this process apply to both the raw model and the worker.
            for (String name : List.of(ModelSettings.DEVICE, ModelSettings.MODEL_DIR)) {
                if (System.getenv(name) != null) {
                    baseEnv.put(name, System.getenv(name));
                }
            }
            List<String> jvmOptions = List.of("-Dlogback.configurationFile="
                    + EmbedBench.class.getResource("/worker-logback.xml"), "-XX:+UseSerialGC", "-Dai.djl.offline=true");
            for (String model : models) {
                Map<String, String> modelEnv = new HashMap<>(baseEnv);
                modelEnv.put(ModelSettings.MODEL, model);
                RawModelLoop.Measured[] raw = new RawModelLoop.Measured[BATCHES.length];
                Measured[][][] pipeline = new Measured[perJob.size()][encodings.size()][BATCHES.length];
                try (RawModelLoop direct = RawModelLoop.start(modelEnv, pinning.modelLauncher(), jvmOptions,
                        logTo(data.resolve("raw-" + model + ".log")))) {
                    out.printf("%s (raw DJL loop: pid %d)%n", model, direct.pid());
                    if (warmup > 0) {
                        direct.measure(32, Math.min(warmup, texts));
                    }
                    progress.start(model, BATCHES.length);
                    for (int b = 0; b < BATCHES.length; b++) {
                        progress.stepTo(b);
                        Map<String, String> env = new HashMap<>(modelEnv);
                        env.put(WorkerSettings.MAX_BATCH_SIZE, String.valueOf(BATCHES[b]));
                        try (WorkerProcess worker = WorkerProcess.start("bench-" + BATCHES[b], env,
                                pinning.modelLauncher(), jvmOptions,
                                logTo(data.resolve("worker-" + model + "-" + BATCHES[b] + ".log")))) {
                            if (!worker.awaitStarted(Duration.ofMinutes(2))) {
                                throw new IllegalStateException(worker + " did not start");
                            }
                            // A new worker JVM compiles its code while it runs, and the local cloud's servers theirs:
                            // warm every job shape and encoding up before anything is measured, with other
                            // sentences than the measured ones.
                            List<String> warm = sentences(texts + warmup).subList(texts, texts + warmup);
                            for (int size : perJob) {
                                for (VectorEncoding encoding : encodings) {
                                    pipelineRate(client, worker, warm, size, encoding, clients);
                                }
                            }
                            // Raw and pipeline back to back at each setting, so both see the same machine.
                            raw[b] = direct.measure(BATCHES[b], texts);
                            out.printf("  raw DJL batch %2d: %.0f sentences/s, CPU %.2f ms/sentence%n", BATCHES[b],
                                    raw[b].sentencesPerSecond(), raw[b].cpuMsPerSentence());
                            List<String> sentences = sentences(texts);
                            for (int k = 0; k < perJob.size(); k++) {
                                for (int e = 0; e < encodings.size(); e++) {
                                    Measured m = pipelineRate(client, worker, sentences, perJob.get(k),
                                            encodings.get(e), clients);
                                    pipeline[k][e][b] = m;
                                    out.printf("  pipeline max batch %2d, %d text(s)/job, %-6s: %.0f sentences/s "
                                                    + "(%.0f%% of raw), result %.0f bytes/sentence, worker CPU %.2f "
                                                    + "ms/sentence%n", BATCHES[b], perJob.get(k),
                                            encodings.get(e).wireName(), m.sentencesPerSecond(),
                                            100 * m.sentencesPerSecond() / raw[b].sentencesPerSecond(),
                                            m.bytesPerSentence(), m.cpuMsPerSentence());
                                }
                            }
                            worker.stop();
                            worker.awaitExit(Duration.ofSeconds(30));
                        }
                    }
                    progress.close();
                }
                for (int k = 0; k < perJob.size(); k++) {
                    for (int e = 0; e < encodings.size(); e++) {
                        rows.add(row(model, perJob.get(k), encodings.get(e), raw, pipeline[k][e]));
                    }
                }
            }
        }
        out.printf("%n%s%n| model | texts per job | encoding | raw DJL sentences/s at batch 1 / 8 / 32 | pipeline "
                + "sentences/s at max batch 1 / 8 / 32 | pipeline ÷ raw at 32 (target ≥ 90%%) | batching gain 32 vs 1: "
                + "raw / pipeline (pipeline ÷ raw, target ≥ 90%%) | result bytes per sentence | CPU ms per sentence "
                + "at 32: raw / worker |%n|---|---|---|---|---|---|---|---|---|%n", pinning.describe());
        rows.forEach(out::println);
        out.printf("%npeak memory of this JVM (local cloud, gateway, clients; the model runs in child processes): "
                + "heap %d MiB, resident (VmHWM) %s%n", peakHeapMiB(), vmHwm());
        return 0;
    }

    /** A child's output, line by line, to a file beside the bench's state (for when a run goes wrong). */
    private static java.util.function.Consumer<String> logTo(Path file) throws IOException {
        java.io.BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        return line -> {
            synchronized (writer) {
                try {
                    writer.write(line);
                    writer.newLine();
                    writer.flush();
                } catch (IOException e) {
                    // a full disk loses the log, not the bench
                }
            }
        };
    }

    private static String row(String model, int perJob, VectorEncoding encoding, RawModelLoop.Measured[] raw,
                              Measured[] p) {
        double r1 = raw[0].sentencesPerSecond();
        double r32 = raw[2].sentencesPerSecond();
        double p1 = p[0].sentencesPerSecond();
        double p32 = p[2].sentencesPerSecond();
        double ratio = p32 / r32;
        double gainRatio = (p32 / p1) / (r32 / r1);
        return String.format("| %s | %d | %s | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.0f%% %s | %.2f× / %.2f× "
                        + "(%.0f%% %s) | %.0f | %.2f / %.2f |",
                model, perJob, encoding.wireName(), r1, raw[1].sentencesPerSecond(), r32, p1,
                p[1].sentencesPerSecond(), p32, 100 * ratio, ratio >= TARGET ? "met" : "not met", r32 / r1, p32 / p1,
                100 * gainRatio, gainRatio >= TARGET ? "met" : "not met", p[2].bytesPerSentence(),
                raw[2].cpuMsPerSentence(), p[2].cpuMsPerSentence());
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

    /**
     * Sentences/s through the API: submit jobs of {@code perJob} texts from many threads, wait for every one; with the
     * result JSON's size per sentence (as GET returns it, which is the text stored in the job item or the object
     * store) and the worker process's CPU time per sentence from the first submit until every job was read back.
     */
    static Measured pipelineRate(EbbClient client, WorkerProcess worker, List<String> sentences, int perJob,
                                 VectorEncoding encoding, int clients) throws InterruptedException {
        int jobs = (sentences.size() + perJob - 1) / perJob;
        String[] ids = new String[jobs];
        AtomicInteger next = new AtomicInteger();
        long cpuBefore = cpuNanos(worker);
        Instant startedAt = Instant.now();
        long start = System.nanoTime();
        Bench.parallel(clients, () -> {
            for (int j = next.getAndIncrement(); j < jobs; j = next.getAndIncrement()) {
                // cache off: the same sentences are measured at every batch size, and each must run
                ObjectNode request = Json.MAPPER.createObjectNode().put("task", "embed").put("cache", "off");
                List<String> texts = sentences.subList(j * perJob, Math.min(sentences.size(), (j + 1) * perJob));
                request.set("input", input(texts, perJob, encoding));
                EbbClient.Response response = client.submit(Json.write(request));
                if (response.status() != 202) {
                    throw new IllegalStateException("submit answered " + response.status() + " " + response.body());
                }
                ids[j] = response.body().path("jobId").asText();
            }
        });
        AtomicLong lastFinished = new AtomicLong();
        AtomicLong resultBytes = new AtomicLong();
        AtomicInteger index = new AtomicInteger();
        Bench.parallel(clients, () -> {
            for (int j = index.getAndIncrement(); j < jobs; j = index.getAndIncrement()) {
                EbbClient.Response job = client.await(ids[j], Duration.ofMinutes(10), x -> { });
                if (!job.body().path("status").asText().equals("SUCCEEDED")) {
                    throw new IllegalStateException("job " + ids[j] + " ended " + job.body().path("status"));
                }
                resultBytes.addAndGet(Json.write(job.body().path("result")).getBytes(StandardCharsets.UTF_8).length);
                lastFinished.accumulateAndGet(
                        Instant.parse(job.body().path("timings").path("finishedAt").asText()).toEpochMilli(), Math::max);
            }
        });
        long cpu = cpuNanos(worker) - cpuBefore;
        // The end is the last job's finishedAt on the server, so the polling above is not measured.
        double seconds = lastFinished.get() > 0
                ? Math.max(1, lastFinished.get() - startedAt.toEpochMilli()) / 1e3
                : (System.nanoTime() - start) / 1e9;
        return new Measured(sentences.size() / seconds, (double) resultBytes.get() / sentences.size(),
                cpu / 1e6 / sentences.size());
    }

    /** The embed input for a job's texts: the shortest form of the default, an object where it names the encoding. */
    static JsonNode input(List<String> texts, int perJob, VectorEncoding encoding) {
        if (encoding == VectorEncoding.FLOAT && perJob == 1) {
            return Json.MAPPER.getNodeFactory().textNode(texts.get(0));
        }
        ObjectNode input = Json.MAPPER.createObjectNode();
        if (perJob == 1) {
            input.put("text", texts.get(0));
        } else {
            ArrayNode list = input.putArray("texts");
            texts.forEach(list::add);
        }
        if (encoding != VectorEncoding.FLOAT) {
            input.put(VectorEncoding.FIELD, encoding.wireName());
        }
        return input;
    }

    private static long cpuNanos(WorkerProcess worker) {
        return worker.cpuTime().map(Duration::toNanos).orElse(0L);
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
