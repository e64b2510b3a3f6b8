package dev.ebb.core.cache;

import java.util.Objects;

/**
 * How a task's jobs meet the semantic cache ({@link dev.ebb.core.task.TaskSpec#semantic}): the input field whose text
 * is compared by meaning, and how a sampled hit's re-run is judged against the cached answer.
 *
 * @param textField   the canonical input's field holding the text whose meaning is compared; every other field is
 *                    part of the partition (only entries with the same other fields are compared)
 * @param answerField the result's field that must agree for a checked hit to count as right
 * @param byMeaning   false: the two answers' fields must be equal (classify's top label); true: their texts'
 *                    embeddings must be at least as similar as the threshold (a chat reply, which is worded anew)
 */
public record SemanticShape(String textField, String answerField, boolean byMeaning) {
    public SemanticShape {
        Objects.requireNonNull(textField, "textField");
        Objects.requireNonNull(answerField, "answerField");
    }
}
