package dev.ebb.core.cache;

import dev.ebb.core.task.Task;
import java.util.function.Function;

/** The semantic cache's test pieces, for tests of other packages: the trigram embedder and the labeller task. */
public final class SemanticAnswersTestSupport {
    public static final Embedder TRIGRAMS = SemanticAnswersTest.TRIGRAMS;

    private SemanticAnswersTestSupport() {
    }

    public static Task labeller(Function<String, String> answer) {
        return new SemanticAnswersTest.Labeller(answer);
    }
}
