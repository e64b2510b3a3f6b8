package dev.ebb.core.task.embed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.task.InvalidInputException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/** Shape checks shared by the embedding tasks. */
final class Texts {
    static final String INVALID_INPUT = "invalid_input";

    private Texts() {
    }

    /** A non-blank string, as given (the tokenizer handles whitespace). */
    static String text(JsonNode node, String what) throws InvalidInputException {
        if (node == null || node.isNull()) {
            throw invalid(what + " is required");
        }
        if (!node.isTextual()) {
            throw invalid(what + " must be a string, got " + kind(node));
        }
        if (node.textValue().isBlank()) {
            throw invalid(what + " must not be empty");
        }
        return node.textValue();
    }

    static void onlyFields(JsonNode object, Set<String> allowed) throws InvalidInputException {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw invalid("unknown field '" + shorten(name) + "' (allowed: " + String.join(", ",
                        allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    static InvalidInputException tooMany(int count, int max) {
        return new InvalidInputException("too_many_texts",
                "this job has " + count + " texts; at most " + max + " are allowed per job");
    }

    static InvalidInputException invalid(String message) {
        return new InvalidInputException(INVALID_INPUT, message);
    }

    static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    static String shorten(String text) {
        String cleaned = text.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 40 ? cleaned.substring(0, 40) + "…" : cleaned;
    }
}
