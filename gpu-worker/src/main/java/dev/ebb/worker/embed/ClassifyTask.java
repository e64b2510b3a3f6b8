package dev.ebb.worker.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.embed.ClassifySpec;
import dev.ebb.core.task.embed.EmbedSettings;
import dev.ebb.worker.model.EmbeddingModel.Embedding;
import dev.ebb.worker.model.LoadedModels;
import dev.ebb.worker.model.Similarity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code classify}, run: the text and every label's examples are embedded in the batch's one model call; each
 * label scores the cosine similarity of the text to the centre of its examples. The result ranks the labels:
 * {@code {"model", "label": best, "labels": [{"label", "score"}…], "truncated": bool}}.
 */
public final class ClassifyTask extends ClassifySpec implements Task {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final LoadedModels models;

    public ClassifyTask(LoadedModels models) {
        super(EmbedSettings.DEFAULTS);
        this.models = models;
    }

    @Override
    public List<Outcome> runBatch(List<JobContext> jobs) {
        return ModelBatch.run(models, jobs, new ModelBatch.Reader<Input>() {
            @Override
            public Input read(JsonNode input) throws InvalidInputException {
                return parse(input);
            }

            @Override
            public List<String> texts(Input job) {
                List<String> texts = new ArrayList<>();
                texts.add(job.text());
                job.labels().forEach(label -> texts.addAll(label.texts()));
                return texts;
            }
        }, (job, embeddings, loaded) -> result(job, embeddings, loaded.name()));
    }

    private static JsonNode result(Input job, List<Embedding> embeddings, String model) {
        float[] text = embeddings.get(0).vector();
        record Scored(String label, double score) {
        }
        List<Scored> scored = new ArrayList<>();
        int next = 1;
        for (Label label : job.labels()) {
            int count = label.texts().size();
            List<float[]> vectors = embeddings.subList(next, next + count).stream().map(Embedding::vector).toList();
            scored.add(new Scored(label.label(), Similarity.dot(text, Similarity.centroid(vectors))));
            next += count;
        }
        scored.sort(Comparator.comparingDouble(Scored::score).reversed());
        ObjectNode result = NODES.objectNode().put("model", model).put("label", scored.get(0).label());
        ArrayNode labels = result.putArray("labels");
        scored.forEach(s -> labels.addObject().put("label", s.label()).put("score", (float) s.score()));
        result.put("truncated", embeddings.get(0).truncated());
        return result;
    }
}
