package dev.ebb.worker.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.embed.EmbedSettings;
import dev.ebb.core.task.embed.EmbedSpec;
import dev.ebb.core.task.embed.VectorEncoding;
import dev.ebb.worker.model.EmbeddingModel.Embedding;
import dev.ebb.worker.model.LoadedModels;
import java.util.List;

/**
 * {@code embed}, run: the texts of every job in the batch go through the model in one call. One text gives
 * {@code {"model", "dimensions", "embedding": [...], "truncated": bool}}; a list gives {@code "embeddings"} and a
 * {@code "truncated"} list, one per text. With {@code "encoding": "base64"} in the input each vector is a base64
 * string of its little-endian float32 bytes instead of an array, and the result says {@code "encoding": "base64"}:
 * the model's floats are copied as bits, never formatted as decimal text.
 */
public final class EmbedTask extends EmbedSpec implements Task {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final LoadedModels models;

    public EmbedTask(LoadedModels models) {
        // The worker takes whatever the submit side accepted, up to the hard ceiling.
        super(EmbedSettings.DEFAULTS);
        this.models = models;
    }

    @Override
    public List<Outcome> runBatch(List<JobContext> jobs) {
        return ModelBatch.run(models, jobs, new ModelBatch.Reader<JsonNode>() {
            @Override
            public JsonNode read(JsonNode input) throws InvalidInputException {
                return validate(input);
            }

            @Override
            public List<String> texts(JsonNode canonical) {
                return EmbedSpec.texts(canonical);
            }
        }, (canonical, embeddings, loaded) -> {
            VectorEncoding encoding = EmbedSpec.encoding(canonical);
            ObjectNode result = NODES.objectNode().put("model", loaded.name())
                    .put("dimensions", embeddings.get(0).vector().length);
            if (encoding != VectorEncoding.FLOAT) {
                result.put(VectorEncoding.FIELD, encoding.wireName());
            }
            if (EmbedSpec.isList(canonical)) {
                ArrayNode vectors = result.putArray("embeddings");
                ArrayNode truncated = result.putArray("truncated");
                for (Embedding embedding : embeddings) {
                    vectors.add(encoded(embedding.vector(), encoding));
                    truncated.add(embedding.truncated());
                }
            } else {
                result.set("embedding", encoded(embeddings.get(0).vector(), encoding));
                result.put("truncated", embeddings.get(0).truncated());
            }
            return result;
        });
    }

    static JsonNode encoded(float[] values, VectorEncoding encoding) {
        return encoding == VectorEncoding.BASE64 ? NODES.textNode(VectorEncoding.toBase64(values)) : vector(values);
    }

    static ArrayNode vector(float[] values) {
        ArrayNode array = NODES.arrayNode(values.length);
        for (float value : values) {
            array.add(value);
        }
        return array;
    }
}
