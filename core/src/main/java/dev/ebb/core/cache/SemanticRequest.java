package dev.ebb.core.cache;

import dev.ebb.core.api.SubmitRequest.CacheMode;
import java.util.Objects;

/**
 * What the semantic cache needs to know of a request to decide whether it may answer it at all.
 *
 * @param partition the exact cache's key of everything but the text (tenant scope, task, model and version, the
 *                  parameters that change the answer): only entries of the same partition are compared
 * @param text      the text whose meaning is compared
 * @param sessionId the conversation the request belongs to, or null for a stand-alone request
 * @param turn      the request's turn in its session (1 = the first); ignored without a session
 * @param cache     the request's cache mode
 */
public record SemanticRequest(String tenant, String partition, String text, String sessionId, int turn,
                              CacheMode cache) {
    public SemanticRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(cache, "cache");
    }

    /**
     * Whether a semantic answer may be given: the cache is not off, and the request stands alone — no session, or
     * the first turn of one. A later turn's answer depends on the conversation before it, which the vector of its
     * own text does not capture, so it is never answered from (nor stored into) the semantic cache.
     */
    public boolean eligible() {
        return cache != CacheMode.OFF && (sessionId == null || turn == 1);
    }
}
