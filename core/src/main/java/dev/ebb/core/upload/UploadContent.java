package dev.ebb.core.upload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.Utf8;
import java.util.Optional;

/**
 * What an uploaded object's bytes say as a task input: UTF-8 text whose first non-blank character is {@code {} is
 * the input as it is (one JSON object); any other text is {@code {"text": body}}. Bytes that are not UTF-8, or that
 * start like an object and are not one, are no input.
 */
public final class UploadContent {

    private UploadContent() {
    }

    /** The input, or why there is none. */
    public sealed interface Sniffed {
        record Input(JsonNode input) implements Sniffed {
        }

        record Refused(String code, String message) implements Sniffed {
        }
    }

    public static Sniffed sniff(byte[] body) {
        Optional<String> text = Utf8.decode(body);
        if (text.isEmpty()) {
            return new Sniffed.Refused("invalid_encoding", "object is not UTF-8 text");
        }
        if (!text.get().stripLeading().startsWith("{")) {
            return new Sniffed.Input(Json.MAPPER.createObjectNode().put("text", text.get()));
        }
        try {
            JsonNode node = Json.MAPPER.readTree(text.get());
            if (node != null && node.isObject()) {
                return new Sniffed.Input(node);
            }
        } catch (JsonProcessingException e) {
            // refused below
        }
        return new Sniffed.Refused("invalid_json", "object starts with '{' but is not one valid JSON object");
    }
}
