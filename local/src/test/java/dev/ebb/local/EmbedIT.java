package dev.ebb.local;

import dev.ebb.local.cli.EbbClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.huggingface.translator.TextEmbeddingTranslatorFactory;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.embed.EmbeddingModels;
import dev.ebb.core.task.embed.VectorEncoding;
import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.worker.WorkerMain;
import dev.ebb.worker.model.ModelFiles;
import dev.ebb.worker.model.ModelSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * embed and classify through the whole path (HTTP → SQS → gpu worker running the real model on the CPU → DynamoDB),
 * checked against the same model run directly through DJL.
 */
class EmbedIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private final EbbClient alice = EmbeddedEbb.client("alice");

    @Test
    void embedHello_givesThe384DimensionVectorDjlGivesDirectly() throws Exception {
        JsonNode job = run("{\"task\":\"embed\",\"input\":\"hello\"}");

        assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
        JsonNode result = job.path("result");
        assertThat(result.path("model").asText()).isEqualTo(EmbeddingModels.MINILM);
        assertThat(result.path("dimensions").asInt()).isEqualTo(384);
        assertThat(result.path("truncated").asBoolean(true)).isFalse();
        float[] expected = direct("hello");
        JsonNode vector = result.path("embedding");
        assertThat(vector.size()).isEqualTo(384);
        for (int i = 0; i < 384; i++) {
            assertThat(vector.get(i).floatValue()).as("component %d", i).isCloseTo(expected[i], within(1e-5f));
        }
    }

    @Test
    void quantizedModel_loadsOnDemandAndGivesNormalisedVectors() throws Exception {
        JsonNode job = run("{\"task\":\"embed\",\"model\":\"all-minilm-l6-v2-q\",\"input\":[\"hello\",\"good morning\"]}");

        assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
        JsonNode result = job.path("result");
        assertThat(result.path("model").asText()).isEqualTo(EmbeddingModels.MINILM_QUANTIZED);
        assertThat(result.path("embeddings").size()).isEqualTo(2);
        for (JsonNode vector : result.path("embeddings")) {
            assertThat(vector.size()).isEqualTo(384);
            double norm = 0;
            for (JsonNode value : vector) {
                norm += value.doubleValue() * value.doubleValue();
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void classify_ranksALovedPhonePositive() throws Exception {
        JsonNode job = run("""
                {"task":"classify","input":{"text":"I love this phone","labels":[
                  {"label":"positive","examples":["I really like it","This is great, I am happy with it"]},
                  {"label":"negative","examples":["I hate it","This is terrible, I am disappointed"]}]}}""");

        assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
        JsonNode result = job.path("result");
        assertThat(result.path("label").asText()).isEqualTo("positive");
        JsonNode labels = result.path("labels");
        assertThat(labels.get(0).path("label").asText()).isEqualTo("positive");
        assertThat(labels.get(0).path("score").doubleValue()).isGreaterThan(labels.get(1).path("score").doubleValue());
    }

    @Test
    void listInput_givesOneVectorPerText_equalToEachTextAlone() throws Exception {
        JsonNode job = run("{\"task\":\"embed\",\"input\":{\"texts\":[\"hello\",\"a cat sat on the mat\",\"hello\"]}}");

        JsonNode vectors = job.path("result").path("embeddings");
        assertThat(vectors.size()).isEqualTo(3);
        assertThat(job.path("result").path("truncated").toString()).isEqualTo("[false,false,false]");
        float[] hello = direct("hello");
        float[] cat = direct("a cat sat on the mat");
        for (int i = 0; i < 384; i++) {
            assertThat(vectors.get(0).get(i).floatValue()).isCloseTo(hello[i], within(1e-5f));
            assertThat(vectors.get(1).get(i).floatValue()).isCloseTo(cat[i], within(1e-5f));
            assertThat(vectors.get(2).get(i).floatValue()).isCloseTo(hello[i], within(1e-5f));
        }
    }

    @Test
    void base64Encoding_returnsVectorsThatDecodeToTheDefaultFormsFloatsExactly() throws Exception {
        // One job after the other, each alone in its batch, so the model sees the same batch twice.
        JsonNode floats = run("{\"task\":\"embed\",\"cache\":\"off\",\"input\":[\"hello\",\"a cat sat on the mat\"]}");
        JsonNode base64 = run("{\"task\":\"embed\",\"cache\":\"off\","
                + "\"input\":{\"texts\":[\"hello\",\"a cat sat on the mat\"],\"encoding\":\"base64\"}}");

        assertThat(base64.path("status").asText()).isEqualTo("SUCCEEDED");
        JsonNode result = base64.path("result");
        assertThat(result.path("encoding").asText()).isEqualTo("base64");
        assertThat(result.path("dimensions").asInt()).isEqualTo(384);
        assertThat(result.path("truncated").toString()).isEqualTo("[false,false]");
        for (int t = 0; t < 2; t++) {
            JsonNode expected = floats.path("result").path("embeddings").get(t);
            float[] decoded = VectorEncoding.fromBase64(result.path("embeddings").get(t).textValue());
            assertThat(decoded).hasSize(384);
            for (int i = 0; i < 384; i++) {
                assertThat(Float.floatToRawIntBits(decoded[i])).as("text %d component %d", t, i)
                        .isEqualTo(Float.floatToRawIntBits(expected.get(i).floatValue()));
            }
        }
    }

    @Test
    void unknownEncoding_is400WithTheAllowedValues() throws Exception {
        EbbClient.Response refused = alice.submit("{\"task\":\"embed\",\"input\":{\"text\":\"hi\",\"encoding\":\"hex\"}}");

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("error").path("code").asText()).isEqualTo("unknown_encoding");
        assertThat(refused.body().path("error").path("message").asText()).contains("float, base64");
    }

    @Test
    void textLongerThanTheWindow_isTruncatedAndTheResultSaysSo() throws Exception {
        String longText = "the quick brown fox jumps over the lazy dog ".repeat(60); // ~540 tokens
        JsonNode job = run(Json.write(JsonNodeFactory.instance.objectNode().put("task", "embed")
                .set("input", JsonNodeFactory.instance.arrayNode().add(longText).add("short"))));

        assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(job.path("result").path("truncated").toString()).isEqualTo("[true,false]");
    }

    @Test
    void inputThatMakesTheModelThrow_failsAlone_andTheRestOfItsBatchSucceeds() throws Exception {
        // No text makes this model throw, so a wrapper throws for a marked text, in the same batch call that runs
        // the real model for every other job; the runner must split the batch until the marked job fails alone.
        Task embed = WorkerMain.tasks(Map.of()).runnable("embed").orElseThrow();
        Task poisoned = new Task() {
            @Override public String name() { return embed.name(); }
            @Override public Lane lane() { return embed.lane(); }
            @Override public JsonNode validate(JsonNode input) throws dev.ebb.core.task.InvalidInputException {
                return embed.validate(input);
            }
            @Override public List<Outcome> runBatch(List<JobContext> jobs) {
                List<JsonNode> inputs = JobContext.inputs(jobs);
                if (inputs.stream().anyMatch(i -> i.toString().contains("POISON"))) {
                    throw new IllegalStateException("native error on a poisoned input");
                }
                return embed.runBatch(jobs);
            }
        };
        var store = new DynamoDbJobStore(EmbeddedCloud.get().dynamoDbClient(), "ebb-jobs");
        JobRunner runner = JobRunner.builder().store(store).tasks(TaskRegistry.of(poisoned)).owner("poison-test")
                .lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1)).clock(Clock.systemUTC())
                .build();
        List<QueueMessage> messages = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ObjectNode input = JsonNodeFactory.instance.objectNode().put("text", i == 5 ? "POISON" : "text " + i);
            Job job = Job.queued(JobIds.random(), "alice", "embed", Lane.GPU, null, input, null, "h", Instant.now(),
                    Instant.now().plusSeconds(3600));
            store.create(job);
            ids.add(job.jobId());
            messages.add(new QueueMessage("m" + i, "r" + i, JobEnvelope.of(job).toJson(), 1));
        }

        List<JobRunner.Disposition> dispositions = runner.run(messages);

        assertThat(dispositions).containsOnly(JobRunner.Disposition.DELETE);
        for (int i = 0; i < 8; i++) {
            Job job = store.find(ids.get(i)).orElseThrow();
            if (i == 5) {
                assertThat(job.status()).isEqualTo(JobStatus.FAILED);
                assertThat(job.error().code()).isEqualTo("task_error");
                assertThat(job.error().message()).contains("failed on this input").contains(job.jobId())
                        .as("a library's words stay in the log").doesNotContain("native error");
            } else {
                assertThat(job.status()).as("job %d", i).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(job.result().path("embedding").size()).isEqualTo(384);
            }
        }
    }

    private JsonNode run(String request) throws Exception {
        EbbClient.Response accepted = alice.submit(request);
        assertThat(accepted.status()).as(accepted.body().toString()).isEqualTo(202);
        return alice.await(accepted.body().path("jobId").asText(), WAIT, j -> { }).body();
    }

    /** The reference: the model run directly through DJL, as its documentation does it. */
    private static float[] direct(String text) throws Exception {
        Path dir = ModelFiles.ensure(EmbeddingModels.MINILM, ModelSettings.fromEnv(Map.of()).modelDir());
        Criteria<String, float[]> criteria = Criteria.builder()
                .setTypes(String.class, float[].class)
                .optModelPath(dir)
                .optEngine("OnnxRuntime")
                .optTranslatorFactory(new TextEmbeddingTranslatorFactory())
                .optArgument("pooling", "mean")
                .optArgument("normalize", "true")
                .optArgument("includeTokenTypes", "true")
                .optArgument("padding", "true")
                .build();
        try (ZooModel<String, float[]> model = criteria.loadModel();
             Predictor<String, float[]> predictor = model.newPredictor()) {
            return predictor.predict(text);
        }
    }
}
