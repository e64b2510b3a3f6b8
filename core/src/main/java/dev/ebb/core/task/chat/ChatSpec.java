package dev.ebb.core.task.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.TaskSpec;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code chat} task's contract: one turn of a conversation with a hosted model (Bedrock Converse), on the llm
 * lane. Input: {@code {"text": …, "system"?: …, "maxTokens"?: n, "temperature"?: t, "session"?: id}}; the canonical
 * form always carries {@code maxTokens}. A turn with a {@code session} is part of that conversation (the sessions
 * route sets it; see {@code dev.ebb.core.session.SessionService}); one without is a single turn with no history.
 */
public class ChatSpec implements TaskSpec {
    public static final String NAME = "chat";
    /** The longest message a turn may carry, in characters. */
    public static final int MAX_TEXT_CHARS = 16_000;
    /** The longest system prompt, in characters. */
    public static final int MAX_SYSTEM_CHARS = 8_000;
    /** What a session id looks like (in the URL path and in the input). */
    public static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> FIELDS = Set.of("text", "system", "maxTokens", "temperature", "session");

    protected final ChatSettings settings;

    public ChatSpec(ChatSettings settings) {
        this.settings = settings;
    }

    @Override
    public final String name() {
        return NAME;
    }

    @Override
    public final Lane lane() {
        return Lane.LLM;
    }

    @Override
    public final void checkModel(String model) throws InvalidInputException {
        if (model != null && !settings.models().contains(model)) {
            throw new InvalidInputException("model_not_allowed", "model '" + model + "' is not allowed here"
                    + " (allowed: " + String.join(", ", settings.models()) + ")");
        }
    }

    /** Whether {@code id} is a well-formed session id. */
    public static boolean validSessionId(String id) {
        return id != null && SESSION_ID.matcher(id).matches();
    }

    @Override
    public final JsonNode validate(JsonNode input) throws InvalidInputException {
        if (input == null || !input.isObject()) {
            throw new InvalidInputException("invalid_input", "chat input must be an object like {\"text\":\"Hello\"}");
        }
        for (Iterator<String> names = input.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidInputException("unknown_field", "unknown field '" + printable(name)
                        + "' (allowed: text, system, maxTokens, temperature)");
            }
        }
        ObjectNode canonical = Json.MAPPER.createObjectNode();
        JsonNode session = input.get("session");
        if (session != null && !session.isNull()) {
            if (!session.isTextual() || !validSessionId(session.textValue())) {
                throw new InvalidInputException("invalid_session_id", "a session id is 1 to 64 letters, digits and"
                        + " ._- starting with a letter or digit");
            }
            canonical.put("session", session.textValue());
        }
        JsonNode text = input.get("text");
        if (text == null || text.isNull()) {
            throw new InvalidInputException("missing_field", "'text' is required");
        }
        if (!text.isTextual()) {
            throw new InvalidInputException("invalid_field", "'text' must be a string");
        }
        if (text.textValue().isBlank()) {
            throw new InvalidInputException("empty_text", "'text' is empty");
        }
        if (text.textValue().length() > MAX_TEXT_CHARS) {
            throw new InvalidInputException("text_too_long", "'text' is longer than " + MAX_TEXT_CHARS
                    + " characters");
        }
        canonical.put("text", text.textValue());
        JsonNode system = input.get("system");
        if (system != null && !system.isNull()) {
            if (!system.isTextual()) {
                throw new InvalidInputException("invalid_field", "'system' must be a string");
            }
            if (system.textValue().length() > MAX_SYSTEM_CHARS) {
                throw new InvalidInputException("system_too_long", "'system' is longer than " + MAX_SYSTEM_CHARS
                        + " characters");
            }
            if (!system.textValue().isBlank()) {
                canonical.put("system", system.textValue());
            }
        }
        JsonNode maxTokens = input.get("maxTokens");
        if (maxTokens == null || maxTokens.isNull()) {
            canonical.put("maxTokens", settings.defaultMaxTokens());
        } else if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.intValue() < 1
                || maxTokens.intValue() > settings.maxTokens()) {
            throw new InvalidInputException("invalid_max_tokens", "'maxTokens' must be a whole number from 1 to "
                    + settings.maxTokens());
        } else {
            canonical.put("maxTokens", maxTokens.intValue());
        }
        JsonNode temperature = input.get("temperature");
        if (temperature != null && !temperature.isNull()) {
            if (!temperature.isNumber() || !(temperature.doubleValue() >= 0)
                    || temperature.doubleValue() > settings.maxTemperature()) {
                throw new InvalidInputException("invalid_temperature", "'temperature' must be a number from 0 to "
                        + settings.maxTemperature());
            }
            canonical.put("temperature", temperature.doubleValue());
        }
        return canonical;
    }

    /**
     * A turn that stands alone may be answered by meaning only where its answer is meant to be the same for the same
     * question: at temperature 0, asked for explicitly. At a temperature above 0, or none (the model's default,
     * above 0 for the allowed models), the reply is a sample, as with the exact cache ({@code cacheable} is false).
     * A checked hit must give a reply whose embedding is at least as similar to the cached one as the threshold.
     */
    @Override
    public final java.util.Optional<dev.ebb.core.cache.SemanticShape> semantic(JsonNode canonicalInput) {
        JsonNode temperature = canonicalInput == null ? null : canonicalInput.get("temperature");
        return temperature != null && temperature.isNumber() && temperature.doubleValue() == 0
                ? java.util.Optional.of(SEMANTIC) : java.util.Optional.empty();
    }

    private static final dev.ebb.core.cache.SemanticShape SEMANTIC =
            new dev.ebb.core.cache.SemanticShape("text", "reply", true);

    /** A turn's price estimate for admission: its output tokens and the history it may send, in 1k tokens. */
    @Override
    public double costEstimate(JsonNode input) {
        return Math.max(1, (input.path("maxTokens").asInt(settings.defaultMaxTokens()) + settings.historyTokens())
                / 1000.0);
    }

    private static String printable(String text) {
        String cleaned = text.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 40 ? cleaned.substring(0, 40) + "…" : cleaned;
    }
}
