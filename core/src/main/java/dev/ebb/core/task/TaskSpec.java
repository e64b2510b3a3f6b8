package dev.ebb.core.task;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The contract of a kind of work, apart from running it: its name, its lane, what input it accepts and what a job
 * costs. This is what the submit side needs (it refuses bad input with a 400 and never queues it), so it lives in
 * {@code core} with no inference library behind it; {@link Task} adds the execution, which only the workers carry.
 */
public interface TaskSpec {

    /** The name clients use in {@code POST /v1/jobs {"task": ...}}. */
    String name();

    /** Which lane's workers run it. */
    Lane lane();

    /**
     * Checks an input at submit time, so that what can be known to fail is refused with a 400 and never queued.
     *
     * @return the input in its canonical form (what is stored and later given to {@link Task#runBatch})
     */
    JsonNode validate(JsonNode input) throws InvalidInputException;

    /**
     * Checks the job's optional {@code model} field. Tasks without models accept whatever is given (it is stored
     * and ignored); tasks with models refuse names they do not know.
     */
    default void checkModel(String model) throws InvalidInputException {
    }

    /**
     * How much of a worker's dynamic batch a canonical input takes: 1 for most tasks, the number of texts it
     * embeds for the embedding tasks, so that a job of 20 texts counts as 20 toward {@code maxBatchSize}.
     */
    default int units(JsonNode input) {
        return 1;
    }

    /** A relative cost estimate for admission control; 1 is one cheap job. */
    default double costEstimate(JsonNode input) {
        return units(input);
    }

    /**
     * Whether a job's answer depends only on this task, its model (and {@link #modelVersion}) and the canonical
     * input, so that it may be answered from the result cache. False by default: a task that is not deterministic
     * (a chat turn at temperature above 0, say) says no unless its input asks to be cached.
     */
    default boolean cacheable(JsonNode canonicalInput) {
        return false;
    }

    /**
     * Whether the model is public (the same weights for every tenant), so that its results may be shared across
     * tenants where {@code EBB_CACHE_SHARE_PUBLIC} is on. False by default: a tenant's results stay the tenant's.
     */
    default boolean publicModel(String model) {
        return false;
    }

    /**
     * The version of the weights behind {@code model} (null: the worker's default), part of the cache key: a new
     * version never answers with an old version's results. Empty for tasks without a model.
     */
    default String modelVersion(String model) {
        return "";
    }

    /**
     * Whether a job of this input may be answered by meaning, from an earlier job of the same tenant, task, model and
     * other fields whose text was nearly the same (the semantic cache), and how: empty by default. A task says yes
     * only where a near-identical text must get the same answer; the worker still refuses a later turn of a
     * conversation ({@link dev.ebb.core.cache.SemanticRequest#eligible}).
     */
    default java.util.Optional<dev.ebb.core.cache.SemanticShape> semantic(JsonNode canonicalInput) {
        return java.util.Optional.empty();
    }
}
