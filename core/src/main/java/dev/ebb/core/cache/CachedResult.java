package dev.ebb.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One cached answer.
 *
 * @param result    the job's result, as the job that computed it stored it
 * @param computeMs how long a worker spent computing it (its share of its batch): the worker time a hit saves
 * @param storedAt  when it was written
 * @param expiresAt when it is gone (the cache table's TTL); a read treats a past value as a miss
 */
public record CachedResult(JsonNode result, long computeMs, Instant storedAt, Instant expiresAt) {
    public CachedResult {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(storedAt, "storedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (computeMs < 0) {
            throw new IllegalArgumentException("computeMs must not be negative");
        }
    }

    public boolean isExpired(Instant now) {
        return !expiresAt.isAfter(now);
    }
}
