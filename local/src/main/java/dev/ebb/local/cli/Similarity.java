package dev.ebb.local.cli;

import dev.ebb.core.cache.SemanticCache;
import dev.ebb.core.cache.SemanticSettings;
import dev.ebb.worker.model.EmbeddingModel;
import dev.ebb.worker.model.ModelSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ebb similarity}: how alike texts are to a reference text on the embedding models the workers run — the
 * cosine the semantic cache compares with its threshold ({@code EBB_SEMANTIC_THRESHOLD}). For choosing that
 * threshold from one's own texts before setting it, and the source of the figures docs/architecture.md quotes.
 * Runs the model in this process (nothing else is started); all texts of a model go through it in one batch.
 */
final class Similarity {
    private Similarity() {
    }

    static int run(List<String> models, String reference, List<String> texts, Map<String, String> env, PrintStream out) {
        SemanticSettings semantic = SemanticSettings.fromEnv(env);
        ModelSettings settings = ModelSettings.fromEnv(env);
        List<String> all = new ArrayList<>();
        all.add(reference);
        all.addAll(texts);
        List<List<EmbeddingModel.Embedding>> vectors = new ArrayList<>();
        for (String model : models) {
            try (EmbeddingModel loaded = EmbeddingModel.load(model, settings.modelDir(), ModelSettings.DeviceChoice.CPU)) {
                vectors.add(loaded.embed(all));
            }
        }
        out.printf("cosine similarity to \"%s\" (the semantic cache answers at %.3f or more: %s)%n", reference,
                semantic.threshold(), SemanticSettings.THRESHOLD);
        StringBuilder header = new StringBuilder("| text |");
        StringBuilder rule = new StringBuilder("|---|");
        for (String model : models) {
            header.append(' ').append(model).append(" |");
            rule.append("---:|");
        }
        out.println(header);
        out.println(rule);
        for (int t = 0; t < texts.size(); t++) {
            StringBuilder row = new StringBuilder("| ").append(texts.get(t)).append(" |");
            for (List<EmbeddingModel.Embedding> v : vectors) {
                double cosine = SemanticCache.dot(v.get(0).vector(), v.get(t + 1).vector());
                row.append(String.format(" %.3f%s |", cosine, cosine >= semantic.threshold() ? " (hit)" : ""));
            }
            out.println(row);
        }
        return 0;
    }
}
