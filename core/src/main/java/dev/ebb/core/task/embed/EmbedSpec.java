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
 *
 * <p>The object forms may also say how the vectors come back: {@code "encoding": "float"} (the default: arrays of
 * numbers) or {@code "base64"} ({@link VectorEncoding}). The canonical form carries {@code "encoding": "base64"}
 * and never {@code "float"}, so a request that names the default is the same job, and has the same cache key, as
 * one that does not, while a base64 answer is never served for a float request or the other way round (the exact
 * cache keys the canonical input).
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
            Texts.onlyFields(input, Set.of("text", "texts", VectorEncoding.FIELD));
            if (input.has("text") == input.has("texts")) {
                throw Texts.invalid("give either \"text\" (one string) or \"texts\" (a list of strings)");
            }
            VectorEncoding encoding = encodingOf(input.get(VectorEncoding.FIELD));
            ObjectNode canonical;
            if (input.has("text")) {
                canonical = NODES.objectNode().put("text", Texts.text(input.get("text"), "\"text\""));
            } else if (!input.get("texts").isArray()) {
                throw Texts.invalid("\"texts\" must be a list of strings, got " + Texts.kind(input.get("texts")));
            } else {
                canonical = list(input.get("texts"));
            }
            if (encoding != VectorEncoding.FLOAT) {
                canonical.put(VectorEncoding.FIELD, encoding.wireName());
            }
            return canonical;
        }
        throw Texts.invalid("expected a string, a list of strings, {\"text\": ...} or {\"texts\": [...]}, got "
                + (input == null ? "nothing" : Texts.kind(input)));
    }

    private static VectorEncoding encodingOf(JsonNode node) throws InvalidInputException {
        if (node == null) {
            return VectorEncoding.FLOAT;
        }
        if (!node.isTextual()) {
            throw VectorEncoding.unknown(Texts.kind(node));
        }
        return VectorEncoding.parse(node.textValue());
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

    /** How a canonical input's vectors are returned. */
    public static VectorEncoding encoding(JsonNode canonical) {
        return canonical.path(VectorEncoding.FIELD).asText("float").equals(VectorEncoding.BASE64.wireName())
                ? VectorEncoding.BASE64 : VectorEncoding.FLOAT;
    }

    /** Whether a canonical input is a list (the result then carries {@code embeddings}, one per text). */
    public static boolean isList(JsonNode canonical) {
        return canonical.has("texts");
    }
}
