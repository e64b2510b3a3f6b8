package dev.ebb.core.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed {@code POST /v1/jobs} body: {@code {task, input, model?, idempotencyKey?}}. Parsing checks shape only;
 * the task checks its own input.
 */
public record SubmitRequest(String task, JsonNode input, String model, String idempotencyKey) {
    private static final Set<String> FIELDS = Set.of("task", "input", "model", "idempotencyKey");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]{1,255}");

    public static SubmitRequest parse(String body) throws ApiException {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("invalid_json", "request body is empty: send a JSON object "
                    + "like {\"task\":\"math\",\"input\":{\"text\":\"What is 50 divided by 2?\"}}");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("invalid_request", "request body must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest("unknown_field",
                        "unknown field '" + printable(name) + "' (allowed: task, input, model, idempotencyKey)");
            }
        }
        String task = string(node, "task", true, NAME, "a task name such as \"math\"");
        JsonNode input = node.get("input");
        if (input == null || input.isNull()) {
            throw ApiException.badRequest("missing_field", "'input' is required");
        }
        String model = string(node, "model", false, NAME, "a model name of letters, digits and ._:/-");
        String idempotencyKey = string(node, "idempotencyKey", false, IDEMPOTENCY_KEY,
                "1 to 255 characters of letters, digits and ._:-");
        return new SubmitRequest(task, input, model, idempotencyKey);
    }

    private static String string(JsonNode node, String field, boolean required, Pattern shape, String expected)
            throws ApiException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiException.badRequest("missing_field", "'" + field + "' is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest("invalid_field", "'" + field + "' must be a string");
        }
        if (!shape.matcher(value.textValue()).matches()) {
            throw ApiException.badRequest("invalid_field", "'" + field + "' must be " + expected);
        }
        return value.textValue();
    }

    /** A field name safe to echo in a message: printable ASCII, bounded. */
    private static String printable(String text) {
        String cleaned = text.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 40 ? cleaned.substring(0, 40) + "…" : cleaned;
    }
}
