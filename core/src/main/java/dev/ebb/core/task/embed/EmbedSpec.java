package dev.ebb.core.task.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.Lane;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code embed} task's contract: a text, or a list of texts, to 384-dimension normalised vectors.
 *
 * <p>Accepted inputs: {@code "hello"}, {@code {"text": "hello"}}, {@code ["a", "b"]}, {@code {"texts": ["a", "b"]}}.
 * The canonical form is {@code {"text": …}} for one text and {@code {"texts": […]}} for a list; the result follows
 * it ({@code embedding} or {@code embeddings}). Each text counts as one unit of a worker's batch.
 */
public class EmbedSpec implements EmbeddingModelTask {
    public static final String NAME = "embed";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final EmbedSettings settings;

    public EmbedSpec(EmbedSettings settings) {
        this.settings = settings;
    }

    @Override
    public final String name() {
        return NAME;
    }

    @Override
    public final Lane lane() {
        return Lane.GPU;
    }

    @Override
    public final void checkModel(String model) throws InvalidInputException {
        EmbeddingModels.check(model);
    }

    @Override
    public final JsonNode validate(JsonNode input) throws InvalidInputException {
        if (input != null && input.isTextual()) {
            return NODES.objectNode().put("text", Texts.text(input, "the text"));
        }
        if (input != null && input.isArray()) {
            return list(input);
        }
        if (input != null && input.isObject()) {
            Texts.onlyFields(input, Set.of("text", "texts"));
            if (input.has("text") == input.has("texts")) {
                throw Texts.invalid("give either \"text\" (one string) or \"texts\" (a list of strings)");
            }
            if (input.has("text")) {
                return NODES.objectNode().put("text", Texts.text(input.get("text"), "\"text\""));
            }
            if (!input.get("texts").isArray()) {
                throw Texts.invalid("\"texts\" must be a list of strings, got " + Texts.kind(input.get("texts")));
            }
            return list(input.get("texts"));
        }
        throw Texts.invalid("expected a string, a list of strings, {\"text\": ...} or {\"texts\": [...]}, got "
                + (input == null ? "nothing" : Texts.kind(input)));
    }

    private ObjectNode list(JsonNode array) throws InvalidInputException {
        if (array.isEmpty()) {
            throw Texts.invalid("the list of texts is empty");
        }
        if (array.size() > settings.maxTextsPerJob()) {
            throw Texts.tooMany(array.size(), settings.maxTextsPerJob());
        }
        ObjectNode canonical = NODES.objectNode();
        ArrayNode texts = canonical.putArray("texts");
        for (int i = 0; i < array.size(); i++) {
            texts.add(Texts.text(array.get(i), "text " + i));
        }
        return canonical;
    }

    @Override
    public final int units(JsonNode input) {
        return input != null && input.path("texts").isArray() ? Math.max(1, input.get("texts").size()) : 1;
    }

    /** The texts of a canonical input, in order. */
    public static List<String> texts(JsonNode canonical) {
        if (canonical.has("text")) {
            return List.of(canonical.get("text").textValue());
        }
        List<String> texts = new ArrayList<>(canonical.get("texts").size());
        canonical.get("texts").forEach(t -> texts.add(t.textValue()));
        return texts;
    }

    /** Whether a canonical input is a list (the result then carries {@code embeddings}, one per text). */
    public static boolean isList(JsonNode canonical) {
        return canonical.has("texts");
    }
}
