package dev.ebb.local.bench;

import dev.ebb.worker.model.EmbeddingModel;
import dev.ebb.worker.model.ModelSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The raw DJL loop of {@code ebb bench embed}, in a JVM of its own so that it can be put on the gpu worker's CPU
 * (under {@code taskset -c}) and its CPU time counted as the worker's is: the whole process's. The child loads the
 * model with the worker's settings ({@code EBB_MODEL}, {@code EBB_DEVICE}, {@code EBB_MODEL_DIR},
 * {@code EBB_MODEL_THREADS} from its environment) and answers one line a command on stdin:
 * {@code run BATCH COUNT} runs {@link EmbedBench#sentences}(COUNT) through {@code batchPredict} in groups of BATCH
 * and prints {@code RAW <sentences/s>}; {@code quit} (or the end of stdin) ends it. Its log goes to stdout too; the
 * answers are the lines that start with {@value #ANSWER}.
 */
public final class RawModelLoop implements AutoCloseable {
    static final String ANSWER = "RAW ";

    private static final String ENDED = "\0ended";

    private final Process process;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final PrintStream commands;

    private RawModelLoop(Process process, Consumer<String> log) {
        this.process = process;
        this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        // Reads the child's output to its end, so that its log never fills the pipe and blocks it.
        Thread.ofPlatform().daemon().name("raw-model-output").start(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith(ANSWER)) {
                        answers.add(line.substring(ANSWER.length()).strip());
                    } else {
                        log.accept(line);
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
            answers.add(ENDED);
        });
    }

    /** A rate and the CPU time its process used meanwhile, per sentence. */
    record Measured(double sentencesPerSecond, double cpuMsPerSentence) {
    }

    /** Starts the child with {@code env} (the model settings) under {@code launcher}, and waits for its model. */
    static RawModelLoop start(Map<String, String> env, List<String> launcher, List<String> jvmOptions,
                              Consumer<String> log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RawModelLoop.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        RawModelLoop loop = new RawModelLoop(builder.start(), log);
        loop.answer(); // "RAW ready <device>"
        return loop;
    }

    /** Sentences/s of {@code count} sentences at {@code batch}, and the child's CPU time per sentence. */
    Measured measure(int batch, int count) throws IOException, InterruptedException {
        long cpuBefore = cpuNanos();
        commands.println("run " + batch + " " + count);
        double rate = Double.parseDouble(answer());
        long cpu = cpuNanos() - cpuBefore;
        return new Measured(rate, cpu / 1e6 / count);
    }

    long pid() {
        return process.pid();
    }

    private long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
    }

    private String answer() throws IOException, InterruptedException {
        String answer = answers.poll(30, TimeUnit.MINUTES);
        if (answer == null || answer.equals(ENDED)) {
            throw new IOException("the raw model process " + (answer == null ? "did not answer in 30 minutes"
                    : "ended (exit " + exitCode() + ") before it answered"));
        }
        return answer;
    }

    private String exitCode() {
        try {
            return process.waitFor(10, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "none yet";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    @Override
    public void close() throws InterruptedException {
        commands.println("quit");
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The child: loads the model, then answers commands. */
    public static void main(String[] args) throws IOException {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        ModelSettings settings = ModelSettings.fromEnv(System.getenv());
        PrintStream out = System.out;
        try (EmbeddingModel model = EmbeddingModel.load(settings.model(), settings.modelDir(), settings.device(),
                settings.threads());
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            out.println(ANSWER + "ready " + model.device());
            for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
                String[] words = line.strip().split(" ");
                int batch = Integer.parseInt(words[1]);
                int count = Integer.parseInt(words[2]);
                out.println(ANSWER + EmbedBench.rawRate(model, EmbedBench.sentences(count), batch));
            }
        }
    }
}
