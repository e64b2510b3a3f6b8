package dev.ebb.core.cache;

import java.time.Instant;
import java.util.Optional;

/**
 * Answers already computed, by cache key ({@link CacheKeys}). The exact cache's port: a DynamoDB table with a TTL
 * ({@link DynamoDbResultCache}), usually behind an in-process tier ({@link TieredResultCache}).
 */
public interface ResultCache {

    /** The cached answer under {@code key}, unless there is none or it has expired by {@code now}. */
    Optional<CachedResult> get(String key, Instant now);

    /** Stores (or replaces) the answer under {@code key}. */
    void put(String key, CachedResult entry);
}
