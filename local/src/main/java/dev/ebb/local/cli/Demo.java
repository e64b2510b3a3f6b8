package dev.ebb.local.cli;

import dev.ebb.local.runtime.LocalRuntime;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** {@code ebb demo}: a throw-away local cloud on free ports, a few jobs through the real HTTP API, their results. */
final class Demo {
    private static final List<String> QUESTIONS = List.of(
            "What is 50 divided by 2?",
            "What is 12.5 times 4?",
            "What is -7 plus 3 times 5?",
            "How much is 1 divided by 3?",
            "What is 7 divided by 0?",
            "What is the colour of the sky?");

    private static final List<String> CONVERSATION = List.of(
            "Hello, my name is Ada.",
            "I like tea.",
            "What is my name?");

    private Demo() {
    }

    static int run(PrintStream out) throws IOException, InterruptedException {
        Path data = Files.createTempDirectory("ebb-demo-");
        out.println("Starting a local cloud (SQS, DynamoDB, HTTP API, workers) in " + data + " ...");
        long start = System.nanoTime();
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.ephemeral(data))) {
            out.printf("Up in %.1f s. API %s%n%n", (System.nanoTime() - start) / 1e9, runtime.apiEndpoint());
            EbbClient client = new EbbClient(runtime.apiEndpoint(), runtime.keys().create("demo"));
            List<String> jobIds = new ArrayList<>();
            for (String question : QUESTIONS) {
                EbbClient.Response accepted = client.submit(Json.write(Json.MAPPER.createObjectNode()
                        .put("task", "math").set("input", Json.MAPPER.createObjectNode().put("text", question))));
                if (accepted.status() != 202) {
                    out.println("submit failed: " + accepted.body());
                    return 1;
                }
                jobIds.add(accepted.body().path("jobId").asText());
            }
            boolean allEnded = true;
            for (int i = 0; i < QUESTIONS.size(); i++) {
                JsonNode job = client.await(jobIds.get(i), Duration.ofSeconds(60), j -> { }).body();
                out.printf("  %-34s %s%n", QUESTIONS.get(i), describe(job));
                allEnded &= job.path("status").asText().matches("SUCCEEDED|FAILED");
            }
            out.printf("%nEach job: HTTP → submit handler → DynamoDB (QUEUED) → SQS → cpu lane worker → DynamoDB "
                    + "(SUCCEEDED/FAILED) → GET.%n");
            out.printf("%nA conversation (chat task, llm lane; the model is the local Bedrock stand-in):%n");
            allEnded &= Conversation.run(client, "demo-" + Long.toHexString(System.nanoTime()), CONVERSATION, out);
            return allEnded ? 0 : 1;
        } finally {
            deleteTree(data);
        }
    }

    private static String describe(JsonNode job) {
        JsonNode timings = job.path("timings");
        String took = String.format("(waited %d ms, ran %d ms)", timings.path("waitMs").asLong(), timings.path("runMs").asLong());
        return switch (job.path("status").asText()) {
            case "SUCCEEDED" -> "→ " + job.path("result").path("text").asText() + "   " + took;
            case "FAILED" -> "→ FAILED " + job.path("error").path("code").asText() + ": "
                    + job.path("error").path("message").asText();
            default -> "→ " + job.path("status").asText();
        };
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
