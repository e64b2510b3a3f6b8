package dev.ebb.core.task.math;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Natural-language arithmetic: {@code {"text": "What is 50 divided by 2?"}} gives
 * {@code {"text": "50 divided by 2 = 25", "value": 25}}. See {@link ProblemParser} for the grammar.
 */
public final class MathTask implements Task {
    public static final String NAME = "math";
    static final int MAX_TEXT_LENGTH = 1_000;

    private static final String INVALID_INPUT = "invalid_input";
    private static final String FIELD = "text";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Override
    public boolean cacheable(JsonNode canonicalInput) {
        return true; // arithmetic: the same question, the same answer
    }

    @Override
    public boolean publicModel(String model) {
        return true; // no model at all
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Lane lane() {
        return Lane.CPU;
    }

    /** Accepts {@code {"text": "..."}} or a bare string; only the shape is checked, not whether it solves. */
    @Override
    public JsonNode validate(JsonNode input) throws InvalidInputException {
        return NODES.objectNode().put(FIELD, text(input));
    }

    @Override
    public List<Outcome> runBatch(List<JobContext> jobs) {
        return jobs.stream().map(job -> run(job.input())).toList();
    }

    private static Outcome run(JsonNode input) {
        try {
            Problem problem = ProblemParser.parse(text(input));
            BigDecimal value = problem.solve();
            ObjectNode result = NODES.objectNode()
                    .put(FIELD, problem.expression() + " = " + value.toPlainString());
            result.set("value", number(value));
            return Outcome.success(result);
        } catch (InvalidInputException e) {
            return Outcome.failure(e.code(), e.getMessage());
        } catch (SolveException e) {
            return Outcome.failure(e.code(), e.getMessage());
        }
    }

    /** The stripped text of a valid input. */
    private static String text(JsonNode input) throws InvalidInputException {
        JsonNode text;
        if (input != null && input.isTextual()) {
            text = input;
        } else if (input != null && input.isObject()) {
            for (Iterator<String> names = input.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals(FIELD)) {
                    throw invalid("unknown field '" + SolveException.shorten(name) + "'; only \"text\" is allowed");
                }
            }
            text = input.get(FIELD);
            if (text == null || !text.isTextual()) {
                throw invalid("\"text\" is required and must be a string");
            }
        } else {
            String kind = input == null ? "nothing" : input.getNodeType().name().toLowerCase(Locale.ROOT);
            throw invalid("expected an object {\"text\": \"...\"} or a string, got " + kind);
        }
        String stripped = text.textValue().strip();
        if (stripped.isEmpty()) {
            throw invalid("\"text\" must not be blank");
        }
        if (stripped.length() > MAX_TEXT_LENGTH) {
            throw invalid("\"text\" is " + stripped.length() + " characters long; at most " + MAX_TEXT_LENGTH
                    + " are allowed");
        }
        return stripped;
    }

    private static InvalidInputException invalid(String message) {
        return new InvalidInputException(INVALID_INPUT, message);
    }

    /**
     * Whole numbers become integer nodes so that they serialise as {@code 25}, not {@code 2.5E+1} (the value has
     * had its trailing zeros stripped, which BigDecimal prints in scientific notation).
     */
    private static JsonNode number(BigDecimal value) {
        if (value.scale() > 0) {
            return NODES.numberNode(value);
        }
        BigInteger whole = value.toBigIntegerExact();
        return whole.bitLength() < Long.SIZE ? NODES.numberNode(whole.longValue()) : NODES.numberNode(whole);
    }
}
