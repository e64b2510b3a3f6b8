package dev.ebb.core.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A request for one job, however it arrived: the HTTP body of {@code POST /v1/jobs} ({@link #parse}), an uploaded
 * object (the upload handler builds one directly), or any future source. What every source shares goes through one
 * {@link JobService#submit(SubmitRequest)}. The record checks the shape of its fields, so no source can hand the
 * service a task name or idempotency key the HTTP API would refuse; the task checks its own input.
 *
 * @param tenant         whose job it is, as authenticated (the API key's tenant, or the upload's prefix)
 * @param sessionId      the conversation the job belongs to, or null (no task uses sessions yet)
 * @param priority       0 for normal work; larger is more urgent (not yet used by any lane)
 * @param cache          how the job may use cached results ({@code "cache": "default" | "read" | "off"})
 */
public record SubmitRequest(String tenant, String task, JsonNode input, String model, String idempotencyKey,
                            String sessionId, int priority, CacheMode cache) {
    private static final Set<String> FIELDS = Set.of("task", "input", "model", "idempotencyKey", "cache");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]{1,255}");
    private static final String TASK_SHAPE = "a task name such as \"math\"";
    private static final String MODEL_SHAPE = "a model name of letters, digits and ._:/-";
    private static final String KEY_SHAPE = "1 to 255 characters of letters, digits and ._:-";

    /** Whether a job may be answered from, and may fill, the result cache. */
    public enum CacheMode {
        /** Read and write the cache where the task allows it. */
        DEFAULT,
        /** Read the cache, never write it. */
        READ,
        /** Run the job; neither read nor write the cache. */
        OFF
    }

    public SubmitRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(cache, "cache");
        if (task == null) {
            throw ApiException.badRequest("missing_field", "'task' is required");
        }
        requireShape("task", task, NAME, TASK_SHAPE);
        if (input == null || input.isNull()) {
            throw ApiException.badRequest("missing_field", "'input' is required");
        }
        if (model != null) {
            requireShape("model", model, NAME, MODEL_SHAPE);
        }
        if (idempotencyKey != null) {
            requireShape("idempotencyKey", idempotencyKey, IDEMPOTENCY_KEY, KEY_SHAPE);
        }
    }

    /** A request outside any session, at normal priority, with the default cache mode. */
    public static SubmitRequest of(String tenant, String task, JsonNode input, String model, String idempotencyKey) {
        return new SubmitRequest(tenant, task, input, model, idempotencyKey, null, 0, CacheMode.DEFAULT);
    }

    /**
     * Parses a {@code POST /v1/jobs} body, {@code {task, input, model?, idempotencyKey?}}, of {@code tenant}; a body
     * over {@code maxBodyBytes} of UTF-8 is {@code 413 request_too_large} before it is parsed.
     */
    public static SubmitRequest parse(String tenant, String body, int maxBodyBytes) {
        if (body != null && (long) body.length() * 3 > maxBodyBytes // a char is at most 3 bytes: encode only if it may be over
                && body.getBytes(StandardCharsets.UTF_8).length > maxBodyBytes) {
            throw ApiException.tooLarge("request_too_large", "request body is larger than " + maxBodyBytes + " bytes");
        }
        return parse(tenant, body);
    }

    private static SubmitRequest parse(String tenant, String body) {
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
                        "unknown field '" + printable(name) + "' (allowed: task, input, model, idempotencyKey, cache)");
            }
        }
        String task = string(node, "task", true, NAME, TASK_SHAPE);
        JsonNode input = node.get("input");
        if (input == null || input.isNull()) {
            throw ApiException.badRequest("missing_field", "'input' is required");
        }
        String model = string(node, "model", false, NAME, MODEL_SHAPE);
        String idempotencyKey = string(node, "idempotencyKey", false, IDEMPOTENCY_KEY, KEY_SHAPE);
        return new SubmitRequest(tenant, task, input, model, idempotencyKey, null, 0, cacheMode(node.get("cache")));
    }

    /** {@code "cache"}: {@code "default"} (or absent), {@code "read"} or {@code "off"}. */
    private static CacheMode cacheMode(JsonNode value) {
        if (value == null || value.isNull()) {
            return CacheMode.DEFAULT;
        }
        if (value.isTextual()) {
            switch (value.textValue()) {
                case "default" -> {
                    return CacheMode.DEFAULT;
                }
                case "read" -> {
                    return CacheMode.READ;
                }
                case "off" -> {
                    return CacheMode.OFF;
                }
                default -> {
                }
            }
        }
        throw ApiException.badRequest("invalid_field", "'cache' must be \"default\", \"read\" or \"off\"");
    }

    private static String string(JsonNode node, String field, boolean required, Pattern shape, String expected) {
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
        requireShape(field, value.textValue(), shape, expected);
        return value.textValue();
    }

    private static void requireShape(String field, String value, Pattern shape, String expected) {
        if (!shape.matcher(value).matches()) {
            throw ApiException.badRequest("invalid_field", "'" + field + "' must be " + expected);
        }
    }

    /** A field name safe to echo in a message: printable ASCII, bounded. */
    private static String printable(String text) {
        String cleaned = text.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 40 ? cleaned.substring(0, 40) + "…" : cleaned;
    }
}
