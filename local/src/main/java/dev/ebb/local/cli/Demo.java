package dev.ebb.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.scale.ScalingSettings;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.runtime.LocalScaler;
import dev.ebb.local.runtime.LocalScalers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ebb demo}: a throw-away local cloud on free ports whose gpu lane starts at zero workers, a job of every task
 * kind through the real HTTP API — math on the cpu lane, embed and classify on the gpu lane — and for each job its
 * result, wait, run time and cost (where the API reports a cost), then how the gpu lane woke from zero, and last a
 * three-turn chat session on the llm lane.
 */
final class Demo {
    /** One sample job: its task, its input as JSON, and a short label for the table. */
    record Sample(String task, String input, String label) {
    }

    static final List<Sample> SAMPLES = List.of(
            new Sample("math", "{\"text\":\"What is 50 divided by 2?\"}", "What is 50 divided by 2?"),
            new Sample("math", "{\"text\":\"What is -7 plus 3 times 5?\"}", "What is -7 plus 3 times 5?"),
            new Sample("math", "{\"text\":\"What is 7 divided by 0?\"}", "What is 7 divided by 0?"),
            new Sample("math", "{\"text\":\"What is the colour of the sky?\"}", "What is the colour of the sky?"),
            new Sample("embed", "\"The queue wakes the workers.\"", "The queue wakes the workers."),
            new Sample("embed", "[\"good morning\",\"bonjour\",\"guten Morgen\"]", "3 greetings in one job"),
            new Sample("classify", "{\"text\":\"I love this phone\",\"labels\":{\"positive\":[\"I really like it\","
                    + "\"This is great\"],\"negative\":[\"I hate it\",\"This is terrible\"]}}", "I love this phone"));
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);
    /** A three-turn chat session at the end: the second and third turns see the earlier ones. */
    static final List<String> CONVERSATION = List.of(
            "Hello, my name is Ada.",
            "I like tea.",
            "What is my name?");

    private Demo() {
    }

    static int run(PrintStream out) throws IOException, InterruptedException {
        Path data = Files.createTempDirectory("ebb-demo-");
        ScalingSettings scaling = LocalScalers.LOCAL_DEFAULTS.withWorkers(0, 1);
        out.println("Starting a local cloud (SQS, DynamoDB, S3, the HTTP API, the cpu lane, the scaler; gpu lane at "
                + "0 workers) in " + data + " ...");
        long start = System.nanoTime();
        try (LocalRuntime runtime = LocalRuntime.startScaled(LocalRuntime.Options.ephemeral(data), scaling)) {
            out.printf(Locale.ROOT, "Up in %.1f s. API %s%n%n", (System.nanoTime() - start) / 1e9,
                    runtime.apiEndpoint());
            EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create("demo"));
            Instant firstGpuSubmit = null;
            List<String> jobIds = new ArrayList<>();
            for (Sample sample : SAMPLES) {
                ObjectNode request = Json.MAPPER.createObjectNode().put("task", sample.task());
                request.set("input", Json.readTrusted(sample.input()));
                if (firstGpuSubmit == null && !sample.task().equals("math")) {
                    firstGpuSubmit = Instant.now();
                }
                EbbClient.Response accepted = client.submit(Json.write(request));
                if (accepted.status() != 202) {
                    out.println("submit refused: " + Views.error(accepted.status(), accepted.body()));
                    return ExitCodes.API_ERROR;
                }
                jobIds.add(accepted.body().path("jobId").asText());
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"TASK", "INPUT", "RESULT", "WAIT MS", "RUN MS", "COST"});
            boolean allEnded = true;
            boolean anyCost = false;
            try (Progress progress = Progress.onStderr()) {
                progress.start("jobs", SAMPLES.size());
                for (int i = 0; i < SAMPLES.size(); i++) {
                    JsonNode job = client.await(jobIds.get(i), JOB_TIMEOUT, j -> { }).body();
                    progress.stepTo(i + 1);
                    allEnded &= job.path("status").asText().matches("SUCCEEDED|FAILED");
                    anyCost |= job.has("cost");
                    JsonNode timings = job.path("timings");
                    rows.add(new String[] {SAMPLES.get(i).task(), SAMPLES.get(i).label(), result(job),
                            timings.path("waitMs").asText(""), timings.has("runMs") ? timings.path("runMs").asText() : "",
                            job.has("cost") ? Views.cost(job.get("cost")).replaceAll(" \\(.*", "") : "-"});
                }
            }
            PrintWriter table = new PrintWriter(out, true);
            Views.table(rows, table);
            table.flush();
            out.println();
            out.println("math runs on the cpu lane (the queue-worker function's handler); embed and classify on the gpu "
                    + "lane (worker processes with the sentence-embedding model).");
            runtime.scaler().ifPresent(scaler -> describeWake(scaler, out));
            if (!anyCost) {
                out.println("(cost '-': this API does not report a job's cost)");
            }
            out.printf("%nA conversation (chat task, llm lane; the model is the local Bedrock stand-in):%n");
            allEnded &= Conversation.run(client, "demo-" + Long.toHexString(System.nanoTime()), CONVERSATION, out);
            return allEnded ? ExitCodes.OK : ExitCodes.FAILED;
        } finally {
            TempDirs.deleteQuietly(data);
        }
    }

    /** How the gpu lane woke from zero: when the scaler started the worker, when it polled, its phases. */
    private static void describeWake(LocalScaler scaler, PrintStream out) {
        List<LocalScaler.WorkerInfo> workers = scaler.workers();
        if (workers.isEmpty()) {
            out.println("gpu lane: no worker was started");
            return;
        }
        LocalScaler.WorkerInfo first = workers.get(0);
        out.printf(Locale.ROOT, "gpu lane: woke from 0 workers — the scaler started a worker process, which was "
                        + "polling %.1f s later (JVM %s ms, model load %s ms); the first gpu job's wait above is that "
                        + "wake-up. It would stop %d s after its last job; the demo stops it now.%n",
                first.started() == null ? Double.NaN : Duration.between(first.spawned(), first.started()).toMillis() / 1e3,
                first.jvmMillis(), first.loadMillis(), LocalScalers.LOCAL_DEFAULTS.coolDown().toSeconds());
    }

    private static String result(JsonNode job) {
        JsonNode result = job.path("result");
        return switch (job.path("status").asText()) {
            case "SUCCEEDED" -> {
                if (result.has("text")) {
                    yield result.path("text").asText();
                }
                if (result.has("label")) {
                    JsonNode top = result.path("labels").path(0);
                    yield String.format(Locale.ROOT, "%s (score %.2f)", result.path("label").asText(),
                            top.path("score").asDouble());
                }
                if (result.has("embeddings")) {
                    yield result.path("embeddings").size() + " vectors of " + result.path("dimensions").asInt() + " numbers";
                }
                if (result.has("embedding")) {
                    yield "a vector of " + result.path("dimensions").asInt() + " numbers";
                }
                yield Views.result(result);
            }
            case "FAILED" -> "FAILED " + job.path("error").path("code").asText();
            default -> job.path("status").asText();
        };
    }
}
