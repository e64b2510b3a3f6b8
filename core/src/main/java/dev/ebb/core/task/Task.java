package dev.ebb.core.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A kind of work Ebb runs. Implementations are stateless or thread-safe; the runner calls
 * {@link #runBatch} with the inputs of many jobs at once.
 */
public interface Task {

    /** The name clients use in {@code POST /v1/jobs {"task": ...}}. */
    String name();

    /** Which lane's workers run it. */
    Lane lane();

    /**
     * Checks an input at submit time, so that what can be known to fail is refused with a 400 and never queued.
     *
     * @return the input in its canonical form (what is stored and later given to {@link #runBatch})
     */
    JsonNode validate(JsonNode input) throws InvalidInputException;

    /**
     * Runs a batch. Returns exactly one outcome per input, in the same order. An input that fails yields a
     * {@link Outcome.Failure}; throwing is reserved for failures of the whole batch (the runner then retries
     * the inputs one by one).
     */
    List<Outcome> runBatch(List<JsonNode> inputs);

    /** A relative cost estimate for admission control; 1 is one cheap job. */
    default double costEstimate(JsonNode input) {
        return 1.0;
    }
}
