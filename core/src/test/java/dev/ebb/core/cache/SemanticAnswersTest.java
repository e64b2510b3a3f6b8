package dev.ebb.core.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.SubmitRequest.CacheMode;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.tenant.DynamoDbTenantStore;
import dev.ebb.core.tenant.SemanticCounts;
import dev.ebb.core.tenant.UsageRecorder;
import dev.ebb.core.testing.Tables;
import dev.ebb.core.testing.TestDynamoDb;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The semantic cache's seam on its own: who may be answered, from what, and how sampled hits are checked and
 * counted on the tenant's item (the DynamoDB-compatible test server). The embedder is a small deterministic one
 * (letter-trigram counts, case folded), so "I love this phone" and "i LOVE this phone" are the same vector.
 */
class SemanticAnswersTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TENANTS = "tenants-semantic";
    private final DynamoDbTenantStore tenants = new DynamoDbTenantStore(DYNAMO_DB, TENANTS);
    private final UsageRecorder usage = new UsageRecorder(tenants);

    @BeforeEach
    void freshTable() {
        Tables.recreate(DYNAMO_DB, TENANTS, "tenant");
    }

    /** Trigram counts of the case-folded text, unit length: equal for texts that differ only in case. */
    static final Embedder TRIGRAMS = (model, texts) -> texts.stream().map(text -> {
        float[] v = new float[256];
        String t = "  " + text.toLowerCase(Locale.ROOT) + "  ";
        for (int i = 0; i + 3 <= t.length(); i++) {
            v[Math.floorMod(t.substring(i, i + 3).hashCode(), v.length)] += 1;
        }
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }).toList();

    /** A labeller: the label is what {@code answer} says of the text; classify's shape (text in, label compared). */
    record Labeller(Function<String, String> answer) implements Task {
        @Override
        public String name() {
            return "label";
        }

        @Override
        public Lane lane() {
            return Lane.CPU;
        }

        @Override
        public JsonNode validate(JsonNode input) {
            return input;
        }

        @Override
        public Optional<SemanticShape> semantic(JsonNode canonicalInput) {
            return Optional.of(new SemanticShape("text", "label", false));
        }

        @Override
        public List<Outcome> runBatch(List<JobContext> jobs) {
            return jobs.stream().map(j -> Outcome.success(Json.MAPPER.createObjectNode()
                    .put("label", answer.apply(j.input().get("text").textValue())))).toList();
        }
    }

    private static JobEnvelope job(String id, String tenant, String text) {
        return job(id, tenant, Json.MAPPER.createObjectNode().put("text", text), CacheMode.DEFAULT);
    }

    private static JobEnvelope job(String id, String tenant, ObjectNode input, CacheMode cache) {
        return new JobEnvelope(1, id, tenant, "label", null, input, null, true, 0, null)
                .withAdmission(cache, 0);
    }

    private SemanticAnswers answers(double sample, Labeller task, SemanticAnswers.Conversation conversation) {
        return new SemanticAnswers(new SemanticSettings(0.95, sample, 100), TRIGRAMS, TaskRegistry.of(task),
                conversation, usage, () -> 0.5);
    }

    /** Looks up {@code job}; on a miss runs it with {@code task} and stores the result; the hit, if any. */
    private static Optional<SemanticCache.Hit> serve(SemanticAnswers answers, Task task, JobEnvelope job) {
        SemanticAnswers.Lookup lookup = answers.lookup("label", null, List.of(job));
        Optional<SemanticCache.Hit> hit = lookup.hit(0);
        if (hit.isEmpty()) {
            lookup.ran(0, task.runBatch(List.of(job.context())).get(0));
        }
        return hit;
    }

    @Test
    void aNearDuplicateOfTheSameTenant_isAnswered_anotherTenantAndAnotherTextAreNot() {
        Labeller task = new Labeller(text -> "positive");
        try (SemanticAnswers answers = answers(0, task, SemanticAnswers.Conversation.NONE)) {
            assertThat(serve(answers, task, job("j1", "acme", "I love this phone"))).isEmpty();

            assertThat(serve(answers, task, job("j2", "acme", "i LOVE this phone"))).hasValueSatisfying(hit -> {
                assertThat(hit.similarity()).isGreaterThanOrEqualTo(0.95);
                assertThat(hit.result().get("label").textValue()).isEqualTo("positive");
            });
            assertThat(serve(answers, task, job("j3", "other", "I love this phone"))).as("another tenant").isEmpty();
            assertThat(serve(answers, task, job("j4", "acme", "The train to Lyon leaves at noon"))).isEmpty();
        }
        assertThat(tenants.state("acme").semantic()).isEqualTo(new SemanticCounts(1, 0, 0));
        assertThat(tenants.state("other").semantic().hits()).isZero();
    }

    @Test
    void cacheOff_isNeverAnswered_cacheRead_isAnsweredButNeverStored_otherFieldsArePartitions() {
        Labeller task = new Labeller(text -> "positive");
        try (SemanticAnswers answers = answers(0, task, SemanticAnswers.Conversation.NONE)) {
            ObjectNode text = Json.MAPPER.createObjectNode().put("text", "I love this phone");
            assertThat(serve(answers, task, job("r1", "acme", text, CacheMode.READ))).isEmpty();
            assertThat(serve(answers, task, job("r2", "acme", text, CacheMode.DEFAULT))).as("read stored nothing")
                    .isEmpty();
            assertThat(serve(answers, task, job("r3", "acme", text, CacheMode.OFF))).isEmpty();
            assertThat(serve(answers, task, job("r4", "acme", text, CacheMode.READ))).isPresent();
            ObjectNode otherLabels = text.deepCopy().put("labels", "a,b");
            assertThat(serve(answers, task, job("r5", "acme", otherLabels, CacheMode.DEFAULT)))
                    .as("another partition").isEmpty();
        }
    }

    @Test
    void aSessionsFirstTurn_mayBeAnswered_aLaterTurnNever() {
        Labeller task = new Labeller(text -> "positive");
        Map<String, Integer> turns = Map.of("first", 1, "second", 2);
        SemanticAnswers.Conversation conversation = new SemanticAnswers.Conversation() {
            @Override
            public int turn(JobEnvelope job) {
                return turns.get(job.jobId());
            }

            @Override
            public Optional<JsonNode> answered(JobEnvelope job, JsonNode cached) {
                return Optional.of(cached);
            }
        };
        try (SemanticAnswers answers = answers(0, task, conversation)) {
            serve(answers, task, job("alone", "acme", "I love this phone"));
            ObjectNode inSession = Json.MAPPER.createObjectNode().put("text", "i love this PHONE").put("session", "s");
            assertThat(serve(answers, task, job("second", "acme", inSession, CacheMode.DEFAULT))).isEmpty();
            assertThat(serve(answers, task, job("first", "acme", inSession, CacheMode.DEFAULT))).isPresent();
        }
    }

    @Test
    void sampledHits_areRunAgain_andAFalseHitIsCounted() throws InterruptedException {
        AtomicReference<String> label = new AtomicReference<>("positive");
        Labeller task = new Labeller(text -> label.get());
        try (SemanticAnswers answers = answers(1.0, task, SemanticAnswers.Conversation.NONE)) {
            serve(answers, task, job("a", "acme", "I love this phone"));
            serve(answers, task, job("b", "acme", "i love this phone")); // checked: agrees
            awaitChecks(answers, 1);
            label.set("negative"); // the task now answers otherwise: the next check finds a false hit
            Optional<SemanticCache.Hit> hit = serve(answers, task, job("c", "acme", "I LOVE this phone"));
            assertThat(hit.orElseThrow().result().get("label").textValue()).as("the job's answer is the cached one")
                    .isEqualTo("positive");
            awaitChecks(answers, 2);
        }
        SemanticCounts counts = tenants.state("acme").semantic();
        assertThat(counts).isEqualTo(new SemanticCounts(2, 2, 1));
        assertThat(counts.falseHitRate()).isEqualTo(0.5);
    }

    @Test
    void checks_neverWait_aFullQueueDropsAndCounts() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstCheck = new CountDownLatch(1);
        List<String> runs = new ArrayList<>();
        Labeller task = new Labeller(text -> {
            synchronized (runs) {
                runs.add(text);
            }
            if (runs.size() > 1) { // the first run fills the cache; the checks block until released
                firstCheck.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return "positive";
        });
        try (SemanticAnswers answers = answers(1.0, task, SemanticAnswers.Conversation.NONE)) {
            serve(answers, task, job("seed", "acme", "I love this phone"));
            serve(answers, task, job("hit-0", "acme", "i love this phone"));
            assertThat(firstCheck.await(30, TimeUnit.SECONDS)).isTrue(); // the only thread is now busy
            for (int i = 1; i <= SemanticAnswers.CHECK_QUEUE + 1; i++) {
                assertThat(serve(answers, task, job("hit-" + i, "acme", "i love this phone"))).isPresent();
            }
            assertThat(answers.droppedChecks()).isEqualTo(1);
            release.countDown();
        }
    }

    @Test
    void agreement_byMeaning_takesRewordedAnswersAtTheThreshold() {
        try (SemanticAnswers answers = answers(0, new Labeller(t -> "x"), SemanticAnswers.Conversation.NONE)) {
            SemanticShape reply = new SemanticShape("text", "reply", true);
            JsonNode a = Json.MAPPER.createObjectNode().put("reply", "Paris is the capital of France.");
            assertThat(answers.agrees(reply, null, a, Json.MAPPER.createObjectNode()
                    .put("reply", "PARIS is the capital of France."))).isTrue();
            assertThat(answers.agrees(reply, null, a, Json.MAPPER.createObjectNode()
                    .put("reply", "I cannot answer that."))).isFalse();
            SemanticShape label = new SemanticShape("text", "label", false);
            assertThat(answers.agrees(label, null, Json.MAPPER.createObjectNode().put("label", "a"),
                    Json.MAPPER.createObjectNode().put("label", "A"))).isFalse();
        }
    }

    @Test
    void settings_refuseNonsenseAtStart_namingTheVariable() {
        assertThat(SemanticSettings.fromEnv(Map.of())).isEqualTo(SemanticSettings.DEFAULTS);
        assertThatThrownBy(() -> SemanticSettings.fromEnv(Map.of("EBB_SEMANTIC_THRESHOLD", "0.2")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("EBB_SEMANTIC_THRESHOLD");
        assertThatThrownBy(() -> SemanticSettings.fromEnv(Map.of("EBB_SEMANTIC_THRESHOLD", "high")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("EBB_SEMANTIC_THRESHOLD");
        assertThatThrownBy(() -> SemanticSettings.fromEnv(Map.of("EBB_SEMANTIC_SAMPLE", "1.5")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("EBB_SEMANTIC_SAMPLE");
        assertThatThrownBy(() -> SemanticSettings.fromEnv(Map.of("EBB_SEMANTIC_ENTRIES", "-1")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("EBB_SEMANTIC_ENTRIES");
        assertThat(SemanticSettings.fromEnv(Map.of("EBB_SEMANTIC_ENTRIES", "0")).enabled()).isFalse();
    }

    /** Waits (not a timed assertion: the bound only stops a broken run) until {@code n} checks have ended. */
    private static void awaitChecks(SemanticAnswers answers, long n) throws InterruptedException {
        for (int i = 0; i < 3000 && answers.finishedChecks() < n; i++) {
            Thread.sleep(10);
        }
        assertThat(answers.finishedChecks()).isEqualTo(n);
    }
}
