package dev.ebb.core.task.chat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;

/** Tokens a turn used, as Bedrock reports them (cache reads and writes apart from the other input tokens). */
public record Usage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens) {
    public static final Usage NONE = new Usage(0, 0, 0, 0);

    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                cacheReadTokens + other.cacheReadTokens, cacheWriteTokens + other.cacheWriteTokens);
    }

    public ObjectNode toJson() {
        return Json.MAPPER.createObjectNode().put("inputTokens", inputTokens).put("outputTokens", outputTokens)
                .put("cacheReadTokens", cacheReadTokens).put("cacheWriteTokens", cacheWriteTokens);
    }
}
