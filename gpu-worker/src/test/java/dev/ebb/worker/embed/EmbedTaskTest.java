package dev.ebb.worker.embed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.embed.VectorEncoding;
import dev.ebb.worker.model.LoadedModels;
import dev.ebb.worker.model.ModelSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embed} on the real (quantized) model: the base64 form carries exactly the floats of the default form. */
class EmbedTaskTest {

    private static JobContext job(String id, String input) throws Exception {
        return new JobContext(id, "acme", null, null, Json.MAPPER.readTree(input));
    }

    private static JsonNode result(Outcome outcome) {
        assertThat(outcome).isInstanceOf(Outcome.Success.class);
        return ((Outcome.Success) outcome).result();
    }

    @Test
    void base64Result_decodesToTheDefaultFormsFloatsBitForBit_andIsSmaller(@TempDir Path cache) throws Exception {
        LoadedModels models = LoadedModels.start(new ModelSettings("all-minilm-l6-v2-q", ModelSettings.DeviceChoice.CPU,
                cache, 1));
        EmbedTask task = new EmbedTask(models);
        // Both jobs in one batch, so both come from the same model call (int8 output varies a little with batch size).
        List<Outcome> outcomes = task.runBatch(List.of(
                job("j1", "{\"texts\":[\"hello\",\"good morning\"]}"),
                job("j2", "{\"texts\":[\"hello\",\"good morning\"],\"encoding\":\"base64\"}"),
                job("j3", "{\"text\":\"hello\",\"encoding\":\"base64\"}")));

        JsonNode floats = result(outcomes.get(0));
        JsonNode base64 = result(outcomes.get(1));
        assertThat(floats.has("encoding")).isFalse();
        assertThat(base64.path("encoding").asText()).isEqualTo("base64");
        assertThat(base64.path("dimensions").asInt()).isEqualTo(384);
        for (int t = 0; t < 2; t++) {
            // The float form as a client reads it: the stored JSON text, parsed.
            JsonNode stored = Json.MAPPER.readTree(Json.write(floats)).path("embeddings").get(t);
            float[] decoded = VectorEncoding.fromBase64(base64.path("embeddings").get(t).textValue());
            assertThat(decoded).hasSize(384);
            for (int i = 0; i < 384; i++) {
                assertThat(Float.floatToRawIntBits(decoded[i])).as("text %d component %d", t, i)
                        .isEqualTo(Float.floatToRawIntBits(stored.get(i).floatValue()));
            }
        }
        assertThat(result(outcomes.get(2)).path("embedding").textValue())
                .isEqualTo(base64.path("embeddings").get(0).textValue());
        assertThat(Json.write(base64).length()).isLessThan(Json.write(floats).length() / 2);
    }
}
