package dev.ebb.core.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A {@link TaskSpec} a worker can run. Implementations are stateless or thread-safe; the runner calls
 * {@link #runBatch} with the inputs of many jobs at once.
 */
public interface Task extends TaskSpec {

    /**
     * Runs a batch. Returns exactly one outcome per input, in the same order. An input that fails yields a
     * {@link Outcome.Failure}; throwing is reserved for failures of the whole batch (the runner then retries
     * the inputs in smaller groups until the one that throws fails alone).
     */
    List<Outcome> runBatch(List<JsonNode> inputs);

    /**
     * Runs a batch of jobs that all asked for {@code model} ({@code null}: the worker's default). The runner groups
     * jobs by task and model; tasks without models ignore it.
     */
    default List<Outcome> runBatch(String model, List<JsonNode> inputs) {
        return runBatch(inputs);
    }
}
