package dev.ebb.core.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * An in-process tier (Caffeine: bounded by entries, each kept at most {@code localTtl}) in front of a shared cache.
 * A hit here costs no call at all; a miss reads the shared tier and keeps what it found. Misses are not remembered
 * (a result written by a worker a moment later must be found by the next request). Writes go to both tiers.
 */
public final class TieredResultCache implements ResultCache {
    private final ResultCache shared;
    private final Cache<String, CachedResult> local;

    public TieredResultCache(ResultCache shared, long maxEntries, Duration localTtl) {
        this.shared = shared;
        this.local = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(localTtl).build();
    }

    @Override
    public Optional<CachedResult> get(String key, Instant now) {
        CachedResult here = local.getIfPresent(key);
        if (here != null) {
            if (!here.isExpired(now)) {
                return Optional.of(here);
            }
            local.invalidate(key);
        }
        Optional<CachedResult> found = shared.get(key, now);
        found.ifPresent(entry -> local.put(key, entry));
        return found;
    }

    @Override
    public void put(String key, CachedResult entry) {
        shared.put(key, entry);
        local.put(key, entry);
    }

    /** Entries held in this process (for tests and the benchmark's report). */
    public long localSize() {
        local.cleanUp();
        return local.estimatedSize();
    }
}
