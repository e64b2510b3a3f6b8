package dev.ebb.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/** A few turns of one chat session through the HTTP API, each reply printed with its usage: the demo's and 'ebb chat'. */
final class Conversation {

    private Conversation() {
    }

    /** Sends {@code messages} to {@code session} one after another; true when every turn succeeded. */
    static boolean run(EbbClient client, String session, List<String> messages, PrintStream out)
            throws IOException, InterruptedException {
        boolean ok = true;
        for (String message : messages) {
            ok &= turn(client, session, Json.write(Json.MAPPER.createObjectNode().put("text", message)), message, out);
        }
        return ok;
    }

    /** One turn: {@code body} is the message's JSON; prints "you: …" then the reply or the error. */
    static boolean turn(EbbClient client, String session, String body, String text, PrintStream out)
            throws IOException, InterruptedException {
        out.println("  you:   " + text);
        EbbClient.Response accepted = client.say(session, body);
        if (accepted.status() != 202 && accepted.status() != 200) {
            out.println("  ebb:   " + accepted.status() + " " + accepted.body().path("error"));
            return false;
        }
        JsonNode job = client.await(accepted.body().path("jobId").asText(), Duration.ofSeconds(120), j -> { }).body();
        if (!"SUCCEEDED".equals(job.path("status").asText())) {
            out.println("  model: " + job.path("status").asText() + " " + job.path("error"));
            return false;
        }
        JsonNode usage = job.path("result").path("usage");
        out.println("  model: " + job.path("result").path("reply").asText());
        out.printf("         (%d tokens in, %d out, %d read from cache; $%.6f)%n", usage.path("inputTokens").asLong(),
                usage.path("outputTokens").asLong(), usage.path("cacheReadTokens").asLong(),
                job.path("result").path("costUsd").asDouble());
        return true;
    }
}
