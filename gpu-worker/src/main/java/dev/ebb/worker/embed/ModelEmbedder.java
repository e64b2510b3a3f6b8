package dev.ebb.worker.embed;

import dev.ebb.core.cache.Embedder;
import dev.ebb.worker.model.EmbeddingModel;
import java.util.List;
import java.util.function.Function;

/**
 * Core's {@link Embedder} port on the worker's own MiniLM models (unit-length vectors, as the semantic cache's
 * cosine needs): the only place that turns a request's text into the vector the semantic cache compares. Built on
 * the worker's {@code LoadedModels::get}, so it shares the models the embed and classify tasks hold.
 */
public final class ModelEmbedder implements Embedder {
    private final Function<String, EmbeddingModel> models;

    /** @param models the model of a name (null: the worker's default), e.g. {@code LoadedModels::get} */
    public ModelEmbedder(Function<String, EmbeddingModel> models) {
        this.models = models;
    }

    @Override
    public List<float[]> embed(String model, List<String> texts) {
        return models.apply(model).embed(texts).stream().map(EmbeddingModel.Embedding::vector).toList();
    }
}
