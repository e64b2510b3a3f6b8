package dev.ebb.worker.embed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.cache.SemanticAnswers;
import dev.ebb.core.cache.SemanticCache;
import dev.ebb.core.cache.SemanticSettings;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.worker.model.LoadedModels;
import dev.ebb.worker.model.ModelSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * classify through the semantic seam on the real int8 MiniLM: the worker's own embedder and task. A near-duplicate
 * is answered with the stored label; a paraphrase below the strict threshold runs; at a low threshold (a test's
 * setting) an opposite text is answered with the wrong label — the false hit a sampled check exists to find.
 */
class SemanticClassifyTest {
    private static final String MODEL = "all-minilm-l6-v2-q";

    @Test
    void nearDuplicatesAreAnswered_paraphrasesRun_andALowThresholdGivesFalseHits(@TempDir Path dir) throws Exception {
        try (LoadedModels models = LoadedModels.start(new ModelSettings(MODEL, ModelSettings.DeviceChoice.CPU, dir, 0))) {
            ClassifyTask task = new ClassifyTask(models);
            ModelEmbedder embedder = new ModelEmbedder(models::get);
            try (SemanticAnswers strict = answers(0.95, embedder, task)) {
                assertThat(serve(strict, task, "I love this phone")).isEmpty();
                assertThat(serve(strict, task, "i LOVE this phone")).hasValueSatisfying(hit -> {
                    assertThat(hit.similarity()).isGreaterThanOrEqualTo(0.95);
                    assertThat(hit.result().get("label").textValue()).isEqualTo("positive");
                });
                assertThat(serve(strict, task, "I love this phone very much")).as("a paraphrase at ~0.91").isEmpty();
            }
            try (SemanticAnswers loose = answers(0.6, embedder, task)) {
                assertThat(serve(loose, task, "I love this phone")).isEmpty();
                Optional<SemanticCache.Hit> hit = serve(loose, task, "I hate this phone");
                assertThat(hit).as("an opposite text above a loose threshold").isPresent();
                assertThat(hit.get().result().get("label").textValue()).isEqualTo("positive");
                Outcome rerun = task.runBatch(List.of(job("I hate this phone").context())).get(0);
                assertThat(((Outcome.Success) rerun).result().get("label").textValue()).isEqualTo("negative");
            }
        }
    }

    private static SemanticAnswers answers(double threshold, ModelEmbedder embedder, ClassifyTask task) {
        return new SemanticAnswers(new SemanticSettings(threshold, 0, 100), embedder, TaskRegistry.of(task),
                SemanticAnswers.Conversation.NONE, null);
    }

    private static JobEnvelope job(String text) throws Exception {
        JsonNode input = new ClassifyTask(null).validate(Json.MAPPER.readTree("{\"text\":" + Json.write(
                Json.MAPPER.getNodeFactory().textNode(text)) + ",\"labels\":{\"positive\":[\"I love it\",\"great\"],"
                + "\"negative\":[\"I hate it\",\"awful\"]}}"));
        return new JobEnvelope(1, "j-" + text.hashCode(), "acme", "classify", MODEL, input);
    }

    private static Optional<SemanticCache.Hit> serve(SemanticAnswers answers, ClassifyTask task, String text)
            throws Exception {
        JobEnvelope job = job(text);
        SemanticAnswers.Lookup lookup = answers.lookup("classify", MODEL, List.of(job));
        Optional<SemanticCache.Hit> hit = lookup.hit(0);
        if (hit.isEmpty()) {
            lookup.ran(0, task.runBatch(List.of(job.context())).get(0));
        }
        return hit;
    }
}
