package dev.ebb.core.task.embed;

import dev.ebb.core.task.InvalidInputException;
import java.util.List;

/**
 * The sentence-embedding models Ebb knows: all-MiniLM-L6-v2 in fp32 and its int8-quantized twin. Both give
 * 384-dimension vectors and read at most 256 tokens of a text (longer texts are truncated, and the result says so).
 */
public final class EmbeddingModels {
    public static final String MINILM = "all-minilm-l6-v2";
    public static final String MINILM_QUANTIZED = "all-minilm-l6-v2-q";
    public static final List<String> NAMES = List.of(MINILM, MINILM_QUANTIZED);
    public static final String DEFAULT = MINILM;
    public static final int DIMENSIONS = 384;
    public static final int MAX_TOKENS = 256;

    private EmbeddingModels() {
    }

    /**
     * The version of a model's weights as the cache keys it (null: the worker's default, {@code EBB_MODEL}, keyed
     * as its own name so that a deployment that changes the default must also change this). Change the suffix when
     * the weights or the pre-processing change: old cache entries are then never found again.
     */
    public static String version(String model) {
        return (model == null ? "default" : model) + "@langchain4j-1.20.0-beta30/mean-normalized";
    }

    public static boolean isKnown(String model) {
        return NAMES.contains(model);
    }

    /** Accepts no model (the worker's default) or a known one; anything else is a 400 {@code unknown_model}. */
    public static void check(String model) throws InvalidInputException {
        if (model != null && !isKnown(model)) {
            throw new InvalidInputException("unknown_model",
                    "unknown model '" + model + "' (known: " + String.join(", ", NAMES) + ")");
        }
    }
}
