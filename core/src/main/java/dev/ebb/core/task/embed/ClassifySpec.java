package dev.ebb.core.task.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.Lane;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code classify} task's contract: a text and candidate labels to the labels ranked by how close the text's
 * embedding is to each label's (the mean of its example sentences' embeddings, or the label's own when it has no
 * examples). No text-classification model is needed, only the embedding model.
 *
 * <p>Labels are given as {@code ["positive", "negative"]}, as {@code [{"label": "positive", "examples": ["I love
 * it"]}, …]}, or as {@code {"positive": ["I love it"], "negative": […]}}. The canonical form is the second. The text
 * and every example (or label without examples) count toward the job's text limit and the worker's batch.
 */
public class ClassifySpec implements EmbeddingModelTask {
    public static final String NAME = "classify";
    static final int MAX_LABEL_LENGTH = 200;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One candidate label and the sentences that stand for it (empty: the label itself). */
    public record Label(String label, List<String> examples) {
        public Label {
            examples = List.copyOf(examples);
        }

        /** The texts to embed for this label. */
        public List<String> texts() {
            return examples.isEmpty() ? List.of(label) : examples;
        }
    }

    /** A canonical input, read. */
    public record Input(String text, List<Label> labels) {
        public Input {
            labels = List.copyOf(labels);
        }
    }

    private final EmbedSettings settings;

    public ClassifySpec(EmbedSettings settings) {
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

    /** The text is compared by meaning among jobs with the same labels; a checked hit must give the same top label. */
    @Override
    public final java.util.Optional<dev.ebb.core.cache.SemanticShape> semantic(JsonNode canonicalInput) {
        return java.util.Optional.of(SEMANTIC);
    }

    private static final dev.ebb.core.cache.SemanticShape SEMANTIC =
            new dev.ebb.core.cache.SemanticShape("text", "label", false);

    @Override
    public final JsonNode validate(JsonNode input) throws InvalidInputException {
        Input parsed = parse(input);
        ObjectNode canonical = NODES.objectNode().put("text", parsed.text());
        ArrayNode labels = canonical.putArray("labels");
        for (Label label : parsed.labels()) {
            ObjectNode node = labels.addObject().put("label", label.label());
            if (!label.examples().isEmpty()) {
                ArrayNode examples = node.putArray("examples");
                label.examples().forEach(examples::add);
            }
        }
        return canonical;
    }

    /** Reads and checks an input (canonical or not). */
    public Input parse(JsonNode input) throws InvalidInputException {
        if (input == null || !input.isObject()) {
            throw Texts.invalid("expected {\"text\": ..., \"labels\": [...]}, got "
                    + (input == null ? "nothing" : Texts.kind(input)));
        }
        Texts.onlyFields(input, Set.of("text", "labels"));
        String text = Texts.text(input.get("text"), "\"text\"");
        JsonNode labelsNode = input.get("labels");
        if (labelsNode == null || labelsNode.isNull() || labelsNode.isEmpty()) {
            throw new InvalidInputException("missing_labels",
                    "\"labels\" is required: at least two candidate labels, e.g. [\"positive\", \"negative\"]");
        }
        List<Label> labels = new ArrayList<>();
        if (labelsNode.isArray()) {
            for (int i = 0; i < labelsNode.size(); i++) {
                labels.add(label(labelsNode.get(i), i));
            }
        } else if (labelsNode.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = labelsNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                labels.add(new Label(labelName(NODES.textNode(entry.getKey()), "a label"),
                        examples(entry.getValue(), entry.getKey())));
            }
        } else {
            throw new InvalidInputException("missing_labels",
                    "\"labels\" must be a list or an object, got " + Texts.kind(labelsNode));
        }
        if (labels.size() < 2) {
            throw new InvalidInputException("missing_labels", "at least two candidate labels are needed");
        }
        Set<String> seen = new HashSet<>();
        int texts = 1;
        for (Label label : labels) {
            if (!seen.add(label.label())) {
                throw new InvalidInputException("duplicate_label",
                        "label '" + Texts.shorten(label.label()) + "' is given twice");
            }
            texts += label.texts().size();
        }
        if (texts > settings.maxTextsPerJob()) {
            throw Texts.tooMany(texts, settings.maxTextsPerJob());
        }
        return new Input(text, labels);
    }

    private static Label label(JsonNode node, int index) throws InvalidInputException {
        if (node != null && node.isTextual()) {
            return new Label(labelName(node, "label " + index), List.of());
        }
        if (node != null && node.isObject()) {
            Texts.onlyFields(node, Set.of("label", "examples"));
            String name = labelName(node.get("label"), "\"label\" of label " + index);
            JsonNode examples = node.get("examples");
            return new Label(name, examples == null || examples.isNull() ? List.of() : examples(examples, name));
        }
        throw Texts.invalid("label " + index + " must be a string or {\"label\": ..., \"examples\": [...]}, got "
                + (node == null ? "nothing" : Texts.kind(node)));
    }

    private static String labelName(JsonNode node, String what) throws InvalidInputException {
        String name = Texts.text(node, what).strip();
        if (name.length() > MAX_LABEL_LENGTH) {
            throw Texts.invalid(what + " is " + name.length() + " characters long; at most " + MAX_LABEL_LENGTH
                    + " are allowed");
        }
        return name;
    }

    private static List<String> examples(JsonNode node, String label) throws InvalidInputException {
        String where = "the examples of label '" + Texts.shorten(label) + "'";
        if (!node.isArray() || node.isEmpty()) {
            throw Texts.invalid(where + " must be a non-empty list of strings");
        }
        List<String> examples = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            examples.add(Texts.text(node.get(i), "example " + i + " of label '" + Texts.shorten(label) + "'"));
        }
        return examples;
    }

    @Override
    public final int units(JsonNode input) {
        try {
            Input parsed = parse(input);
            return 1 + parsed.labels().stream().mapToInt(l -> l.texts().size()).sum();
        } catch (InvalidInputException e) {
            return 1; // fails on its own in the worker
        }
    }
}
