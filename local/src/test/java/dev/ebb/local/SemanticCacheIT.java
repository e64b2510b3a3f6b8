package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.local.cli.EbbClient;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The semantic cache through the HTTP API of the embedded local cloud, on the worker's real MiniLM: a near-duplicate
 * classify text is answered {@code cached: "semantic"} with its similarity, a paraphrase below the strict threshold
 * runs, another tenant never gets the first one's answer, a chat session's first turn may be answered while a later
 * turn never is, and the sampled re-runs (the test JVM samples every hit) show the tenant a measured false-hit rate —
 * including a false hit forced with labels that tell apart two texts the model holds nearly the same.
 */
class SemanticCacheIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String LABELS = "{\"positive\":[\"I love it\",\"This is great\"],"
            + "\"negative\":[\"I hate it\",\"This is awful\"]}";

    private static EbbClient tenant() {
        return EmbeddedEbb.client("semantic-" + UUID.randomUUID());
    }

    private static JsonNode classify(EbbClient client, String text, String labels) throws Exception {
        ObjectNode input = Json.MAPPER.createObjectNode().put("text", text);
        input.set("labels", Json.MAPPER.readTree(labels));
        ObjectNode request = Json.MAPPER.createObjectNode().put("task", "classify");
        request.set("input", input);
        return done(client, client.submit(Json.write(request)));
    }

    private static JsonNode done(EbbClient client, EbbClient.Response submitted) throws Exception {
        assertThat(submitted.status()).as(submitted.body().toString()).isIn(200, 202);
        EbbClient.Response job = client.await(submitted.body().get("jobId").asText(), WAIT, j -> { });
        assertThat(job.body().path("status").asText()).as(job.body().toString()).isEqualTo("SUCCEEDED");
        return job.body();
    }

    @Test
    void aNearDuplicate_isAnsweredByMeaning_aParaphraseRuns_andAnotherTenantNeverSeesIt() throws Exception {
        EbbClient acme = tenant();
        JsonNode first = classify(acme, "I love this phone", LABELS);
        assertThat(first.has("cached")).as("the first one runs").isFalse();

        JsonNode second = classify(acme, "i LOVE this phone", LABELS);
        assertThat(second.path("cached").asText()).as(second.toString()).isEqualTo("semantic");
        assertThat(second.path("similarity").asDouble()).isGreaterThanOrEqualTo(0.95);
        assertThat(second.at("/result/label").asText()).isEqualTo("positive");
        assertThat(second.at("/timings/startedAt").isTextual()).as("claimed by a worker, not answered at submit")
                .isTrue();

        JsonNode paraphrase = classify(acme, "I love this phone very much", LABELS);
        assertThat(paraphrase.has("cached")).as("a paraphrase below 0.95 runs: " + paraphrase).isFalse();

        JsonNode other = classify(tenant(), "i LOVE this phone", LABELS);
        assertThat(other.has("cached")).as("another tenant's entry is never used: " + other).isFalse();

        // Every hit is checked in this JVM: the usage shows it measured.
        JsonNode usage = awaitChecked(acme, 1);
        assertThat(usage.path("measured").asBoolean()).isTrue();
        assertThat(usage.path("hits").asLong()).isEqualTo(1);
        assertThat(usage.path("falseHitRate").isNumber()).isTrue();
        assertThat(usage.path("falseHits").asLong()).isZero();
    }

    @Test
    void aForcedFalseHit_isFoundByTheSampledReRun_andReported() throws Exception {
        EbbClient client = tenant();
        // On the default MiniLM the two texts are at ~0.96: above the threshold, yet each is its own label's example.
        String labels = "{\"likes\":[\"I love this phone\"],\"adores\":[\"I really love this phone\"]}";
        assertThat(classify(client, "I love this phone", labels).at("/result/label").asText()).isEqualTo("likes");

        JsonNode hit = classify(client, "I really love this phone", labels);
        assertThat(hit.path("cached").asText()).as(hit.toString()).isEqualTo("semantic");
        assertThat(hit.at("/result/label").asText()).as("the cached answer stands").isEqualTo("likes");

        JsonNode usage = awaitChecked(client, 1);
        assertThat(usage.path("falseHits").asLong()).as(usage.toString()).isEqualTo(1);
        assertThat(usage.path("falseHitRate").asDouble()).isEqualTo(1.0);
    }

    @Test
    void aSessionsFirstTurn_mayBeAnsweredByMeaning_aLaterTurnNever() throws Exception {
        EbbClient client = tenant();
        ObjectNode alone = Json.MAPPER.createObjectNode().put("task", "chat");
        alone.putObject("input").put("text", "What is the capital of France?").put("temperature", 0);
        JsonNode ran = done(client, client.submit(Json.write(alone)));
        assertThat(ran.has("cached")).isFalse();

        String session = "s-" + UUID.randomUUID().toString().substring(0, 8);
        String firstText = Json.write(Json.MAPPER.createObjectNode().put("text", "what is the capital of France?")
                .put("temperature", 0));
        JsonNode first = done(client, client.say(session, firstText));
        assertThat(first.path("cached").asText()).as(first.toString()).isEqualTo("semantic");
        assertThat(first.at("/result/reply").asText()).isEqualTo(ran.at("/result/reply").asText());
        assertThat(first.at("/result/session").asText()).isEqualTo(session);
        assertThat(first.at("/result/costUsd").asDouble()).as("no tokens were used").isZero();

        JsonNode second = done(client, client.say(session, firstText));
        assertThat(second.has("cached")).as("a later turn is never answered by meaning: " + second).isFalse();
        assertThat(second.at("/result/reply").asText()).as("it saw the first turn").contains("1 earlier message");

        JsonNode turns = client.session(session).body().get("turns");
        assertThat(turns.get(0).get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(turns.get(0).get("reply").asText()).isEqualTo(ran.at("/result/reply").asText());
    }

    /** The tenant's semanticCache usage once {@code n} hits have been checked (a bounded wait, not a timing). */
    private static JsonNode awaitChecked(EbbClient client, long n) throws Exception {
        JsonNode semantic = null;
        for (int i = 0; i < 600; i++) {
            EbbClient.Response usage = client.usage();
            assertThat(usage.status()).isEqualTo(200);
            semantic = usage.body().get("semanticCache");
            if (semantic.path("checked").asLong() >= n) {
                return semantic;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no semantic check recorded: " + semantic);
    }
}
