package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.local.cli.EbbClient;
import dev.ebb.local.cloud.LocalBedrock;
import dev.ebb.local.runtime.LocalRuntime;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Chat through the HTTP API of an embedded local cloud: sessions, their order, streamed replies, Bedrock throttling
 * and bad input. The model is the local cloud's Bedrock stand-in, reached by the real SDK client.
 */
class ChatIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static LocalRuntime ebb;
    private static LocalBedrock bedrock;
    private static EbbClient client;
    private static String key;

    @BeforeAll
    static void start() {
        ebb = EmbeddedEbb.get();
        bedrock = ebb.cloud().bedrock();
        key = ebb.keys().create("chat-" + UUID.randomUUID());
        client = new EbbClient(ebb.apiEndpoint(), key);
    }

    @BeforeEach
    void noFaults() {
        bedrock.reset();
    }

    private static String session() {
        return "s-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String message(String text) {
        return Json.write(Json.MAPPER.createObjectNode().put("text", text));
    }

    /** Sends a turn and waits for its job to end; returns the job. */
    private static JsonNode turn(String session, String text) throws Exception {
        EbbClient.Response accepted = client.say(session, message(text));
        assertThat(accepted.status()).as(accepted.body().toString()).isEqualTo(202);
        return finished(accepted.body().get("jobId").asText());
    }

    private static JsonNode finished(String jobId) throws Exception {
        EbbClient.Response done = client.await(jobId, WAIT, job -> { });
        assertThat(done.body().path("status").asText()).as(done.body().toString()).isEqualTo("SUCCEEDED");
        return done.body();
    }

    private static String reply(JsonNode job) {
        return job.at("/result/reply").asText();
    }

    @Test
    void aThreeTurnSession_repliesShowTheModelSawTheEarlierTurns() throws Exception {
        String session = session();
        JsonNode first = turn(session, "Hello, my name is Ada.");
        JsonNode second = turn(session, "I like tea.");
        JsonNode third = turn(session, "What is my name?");

        assertThat(reply(first)).startsWith(LocalBedrock.PREFIX).contains("0 earlier messages");
        assertThat(reply(second)).contains("1 earlier message").contains("\"Hello, my name is Ada.\"");
        assertThat(reply(third)).contains("Your name is Ada");
        assertThat(third.at("/result/usage/inputTokens").asLong())
                .as("the third turn sent the history").isGreaterThan(first.at("/result/usage/inputTokens").asLong());

        EbbClient.Response view = client.session(session);
        assertThat(view.status()).isEqualTo(200);
        JsonNode turns = view.body().get("turns");
        assertThat(turns).hasSize(3);
        assertThat(turns.get(2).get("text").asText()).isEqualTo("What is my name?");
        assertThat(turns.get(2).get("reply").asText()).isEqualTo(reply(third));
        for (JsonNode turn : turns) {
            assertThat(turn.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(turn.at("/usage/outputTokens").asLong()).isPositive();
        }
        assertThat(view.body().at("/usage/outputTokens").asLong()).isEqualTo(
                turns.get(0).at("/usage/outputTokens").asLong() + turns.get(1).at("/usage/outputTokens").asLong()
                        + turns.get(2).at("/usage/outputTokens").asLong());
        assertThat(view.body().get("costUsd").asDouble()).isPositive();
        assertThat(Instant.parse(view.body().get("expiresAt").asText())).isAfter(Instant.now().plusSeconds(3000));
    }

    @Test
    void twoTurnsSubmittedBackToBack_areAppliedInOrder() throws Exception {
        String session = session();
        // The first reply streams for a while; the second is queued behind it (same message group) and sees it.
        EbbClient.Response a = client.say(session, message("My name is Bob. Please count to 40"));
        EbbClient.Response b = client.say(session, message("What is my name?"));
        assertThat(a.status()).isEqualTo(202);
        assertThat(b.status()).isEqualTo(202);

        JsonNode first = finished(a.body().get("jobId").asText());
        JsonNode second = finished(b.body().get("jobId").asText());

        assertThat(reply(second)).contains("Your name is Bob");
        assertThat(Instant.parse(second.at("/timings/startedAt").asText()))
                .as("the second turn started after the first ended")
                .isAfterOrEqualTo(Instant.parse(first.at("/timings/finishedAt").asText()));
        JsonNode turns = client.session(session).body().get("turns");
        assertThat(turns.get(0).get("jobId").asText()).isEqualTo(a.body().get("jobId").asText());
        assertThat(turns.get(1).get("jobId").asText()).isEqualTo(b.body().get("jobId").asText());
    }

    @Test
    void aRepliesPartialText_isSeenOnTheEventStreamBeforeTheTurnEnds() throws Exception {
        EbbClient.Response accepted = client.say(session(), message("count to 120"));
        String jobId = accepted.body().get("jobId").asText();

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(
                        URI.create(ebb.apiEndpoint() + "/v1/jobs/" + jobId + "/events"))
                .header("authorization", "Bearer " + key).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("content-type")).hasValue("text/event-stream");

        List<String> partials = new ArrayList<>();
        JsonNode done = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String event = null;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    JsonNode data = Json.MAPPER.readTree(line.substring(6));
                    if ("partial".equals(event) && data.has("partial")) {
                        partials.add(data.get("partial").asText());
                    } else if ("done".equals(event)) {
                        done = data;
                    }
                }
            }
        }
        assertThat(done).isNotNull();
        assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
        String full = reply(done);
        assertThat(partials).as("text seen while the turn ran").isNotEmpty();
        assertThat(partials.getFirst()).startsWith(LocalBedrock.PREFIX);
        assertThat(partials.getFirst().length()).isLessThan(full.length());
        assertThat(full).startsWith(partials.getFirst());
    }

    @Test
    void aThrottledCall_isRetriedThenRequeued_andSucceedsOnceTheThrottleLifts() throws Exception {
        // The SDK makes 4 attempts per call: the first delivery is throttled out and goes back to the queue; the
        // second delivery meets two more throttles, and then an answer.
        bedrock.failNext(LocalBedrock.Fault.THROTTLE, 6);
        int before = bedrock.calls();
        EbbClient.Response accepted = client.say(session(), message("Hello after a throttle"));
        String jobId = accepted.body().get("jobId").asText();

        List<JsonNode> seen = new ArrayList<>();
        EbbClient.Response done = client.await(jobId, WAIT, seen::add);

        assertThat(done.body().get("status").asText()).as(done.body().toString()).isEqualTo("SUCCEEDED");
        assertThat(reply(done.body())).contains("Hello after a throttle");
        assertThat(done.body().get("attempts").asInt()).as("run twice: requeued once").isEqualTo(2);
        assertThat(bedrock.calls() - before).isEqualTo(7);
        assertThat(seen).as("it went back to the queue, not to FAILED")
                .noneMatch(job -> job.path("status").asText().equals("FAILED"));
    }

    @Test
    void aBedrockErrorThatIsTheRequestsFault_failsTheTurnWithBedrocksMessage() throws Exception {
        bedrock.failNext(LocalBedrock.Fault.VALIDATION, 1);
        String session = session();
        EbbClient.Response accepted = client.say(session, message("Hello"));
        EbbClient.Response done = client.await(accepted.body().get("jobId").asText(), WAIT, job -> { });

        assertThat(done.body().get("status").asText()).isEqualTo("FAILED");
        assertThat(done.body().at("/error/code").asText()).isEqualTo("bedrock_validation");
        assertThat(done.body().at("/error/message").asText()).contains("input is too long");
        JsonNode turn = client.session(session).body().at("/turns/0");
        assertThat(turn.get("status").asText()).isEqualTo("FAILED");
        assertThat(turn.at("/error/code").asText()).isEqualTo("bedrock_validation");
    }

    @Test
    void badInput_is400WithACode_andStoresNoTurn() throws Exception {
        String session = session();
        record Case(String body, String code) {
        }
        for (Case c : List.of(
                new Case("{\"text\":\"\"}", "empty_text"),
                new Case("{\"text\":\"" + "a".repeat(16_001) + "\"}", "text_too_long"),
                new Case("{\"text\":\"hi\",\"colour\":\"red\"}", "unknown_field"),
                new Case("{\"text\":\"hi\",\"maxTokens\":100000}", "invalid_max_tokens"),
                new Case("{\"text\":\"hi\",\"temperature\":3}", "invalid_temperature"),
                new Case("{\"text\":\"hi\",\"model\":\"some.other-model\"}", "model_not_allowed"),
                new Case("not json", "invalid_json"))) {
            EbbClient.Response response = client.say(session, c.body());
            assertThat(response.status()).as(c.code()).isEqualTo(400);
            assertThat(response.errorCode()).as(c.body().substring(0, Math.min(40, c.body().length())))
                    .isEqualTo(c.code());
        }
        assertThat(client.say("-not-a-session-id", message("hi")).errorCode()).isEqualTo("invalid_session_id");
        assertThat(client.session("-not-a-session-id").status()).isEqualTo(400);
        assertThat(client.session(session).status()).as("nothing was stored").isEqualTo(404);
    }

    @Test
    void anotherTenantsSession_is404_andAnEndedSessionIsGone() throws Exception {
        String session = session();
        turn(session, "my name is Eve");
        EbbClient other = EmbeddedEbb.client("chat-other-" + UUID.randomUUID());

        assertThat(other.session(session).status()).isEqualTo(404);
        assertThat(other.endSession(session).status()).isEqualTo(404);
        // The same id is another tenant's own, separate session: it never sees the first one's turns.
        JsonNode theirs = other.await(other.say(session, message("What is my name?")).body().get("jobId").asText(),
                WAIT, job -> { }).body();
        assertThat(reply(theirs)).contains("have not told me your name");
        assertThat(client.session(session).body().get("turns")).hasSize(1);

        assertThat(client.endSession(session).status()).isEqualTo(200);
        assertThat(client.session(session).status()).isEqualTo(404);
        // A message to an ended session starts a new one, with no memory of the old.
        JsonNode again = turn(session, "What is my name?");
        assertThat(reply(again)).contains("have not told me your name");
        assertThat(client.session(session).body().get("turns")).hasSize(1);
    }
}
