package dev.ebb.worker.embed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.worker.model.EmbeddingModel;
import dev.ebb.worker.model.EmbeddingModel.Embedding;
import dev.ebb.worker.model.LoadedModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared shape of the embedding tasks' {@code runBatch}: read each job's texts (an input that does not read
 * fails alone), embed the texts of all jobs in one model call, and hand each job back its own vectors.
 */
final class ModelBatch {
    private static final Logger log = LoggerFactory.getLogger(ModelBatch.class);

    /** What one job asks of the model, or why it cannot be run. */
    interface Reader<T> {
        T read(JsonNode input) throws InvalidInputException;

        List<String> texts(T job);
    }

    interface Writer<T> {
        JsonNode result(T job, List<Embedding> embeddings, EmbeddingModel model);
    }

    private ModelBatch() {
    }

    /** The jobs of {@code batch} all asked for one model (the runner groups them so); the first one's is the batch's. */
    static <T> List<Outcome> run(LoadedModels models, List<JobContext> batch, Reader<T> reader, Writer<T> writer) {
        String modelName = batch.isEmpty() ? null : batch.get(0).model();
        List<JsonNode> inputs = JobContext.inputs(batch);
        EmbeddingModel model;
        try {
            model = models.get(modelName);
        } catch (IllegalArgumentException e) {
            return failAll(inputs.size(), "unknown_model", e.getMessage());
        } catch (RuntimeException e) {
            // What the loader said is for the operator (the log), not the client.
            log.error("model {} could not be loaded: {}", modelName, e.toString());
            return failAll(inputs.size(), "model_unavailable", "the model " + (modelName == null ? "(default)"
                    : "'" + modelName + "'") + " could not be loaded on this worker; the worker's log has the cause");
        }
        Outcome[] outcomes = new Outcome[inputs.size()];
        List<T> jobs = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            try {
                T job = reader.read(inputs.get(i));
                jobs.add(job);
                indexes.add(i);
                texts.addAll(reader.texts(job));
            } catch (InvalidInputException e) {
                outcomes[i] = Outcome.failure(e.code(), e.getMessage());
            }
        }
        if (!texts.isEmpty()) {
            List<Embedding> embeddings = model.embed(texts); // throws: the runner splits the batch
            int next = 0;
            for (int k = 0; k < jobs.size(); k++) {
                int count = reader.texts(jobs.get(k)).size();
                outcomes[indexes.get(k)] = Outcome.success(
                        writer.result(jobs.get(k), embeddings.subList(next, next + count), model));
                next += count;
            }
        }
        return Arrays.asList(outcomes);
    }

    private static List<Outcome> failAll(int count, String code, String message) {
        List<Outcome> outcomes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            outcomes.add(Outcome.failure(code, message));
        }
        return outcomes;
    }
}
