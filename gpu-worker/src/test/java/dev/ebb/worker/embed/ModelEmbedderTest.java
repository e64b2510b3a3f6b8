package dev.ebb.worker.embed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.SubmitRequest.CacheMode;
import dev.ebb.core.cache.SemanticCache;
import dev.ebb.core.cache.SemanticRequest;
import dev.ebb.worker.model.EmbeddingModel;
import dev.ebb.worker.model.ModelSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The semantic cache on the real (quantized) MiniLM through core's {@code Embedder} port: a near-identical request
 * hits, a looser paraphrase and an unrelated one miss at the strict default.
 */
class ModelEmbedderTest {

    private static SemanticRequest request(String text) {
        return new SemanticRequest("acme", "acme/classify/labels", text, null, 0, CacheMode.DEFAULT);
    }

    @Test
    void aNearDuplicate_isAboveTheStrictThreshold_andAnUnrelatedTextBelowIt(@TempDir Path cache) {
        JsonNode positive = Json.MAPPER.createObjectNode().put("label", "positive");
        try (EmbeddingModel model = EmbeddingModel.load("all-minilm-l6-v2-q", cache,
                ModelSettings.DeviceChoice.CPU)) {
            ModelEmbedder embedder = new ModelEmbedder(name -> model);
            // On this model (int8, an uncased tokenizer): "i LOVE this phone" is the stored text's own vector (1.000),
            // "I love this phone very much" at ~0.91 — a paraphrase the strict default does not take — and an
            // unrelated sentence far below.
            List<SemanticRequest> requests = List.of(request("I love this phone"), request("i LOVE this phone"),
                    request("I love this phone very much"), request("The train to Lyon leaves at noon"));
            List<float[]> vectors = SemanticCache.vectors(embedder, null, requests);
            SemanticCache semantic = new SemanticCache(SemanticCache.DEFAULT_THRESHOLD, 100);
            semantic.store(requests.get(0), vectors.get(0), positive);

            assertThat(semantic.lookup(requests.get(1), vectors.get(1))).hasValueSatisfying(hit -> {
                assertThat(hit.result()).isEqualTo(positive);
                assertThat(hit.similarity()).isGreaterThanOrEqualTo(SemanticCache.DEFAULT_THRESHOLD);
            });
            assertThat(semantic.lookup(requests.get(2), vectors.get(2))).as("a paraphrase below 0.95").isEmpty();
            assertThat(semantic.lookup(requests.get(3), vectors.get(3))).isEmpty();
        }
    }
}
