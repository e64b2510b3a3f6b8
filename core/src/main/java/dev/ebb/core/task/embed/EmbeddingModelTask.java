package dev.ebb.core.task.embed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.task.TaskSpec;

/**
 * What the tasks on the sentence-embedding model share for the result cache: the same model, version and texts give
 * the same answer, the published weights are the same for every tenant, and the version is the model's.
 */
interface EmbeddingModelTask extends TaskSpec {
    @Override
    default boolean cacheable(JsonNode canonicalInput) {
        return true; // the same model, version and texts give the same vectors
    }

    @Override
    default boolean publicModel(String model) {
        return true; // MiniLM's published weights: the same for every tenant
    }

    @Override
    default String modelVersion(String model) {
        return EmbeddingModels.version(model);
    }
}
