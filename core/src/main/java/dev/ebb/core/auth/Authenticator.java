package dev.ebb.core.auth;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Maps a request's headers to a tenant: {@code Authorization: Bearer <key>} or {@code x-api-key: <key>}.
 * Known keys are remembered for a short while (a warm Lambda serves many requests), so a revoked key stops
 * working within {@code cacheFor}. Unknown keys are remembered as unknown for {@code negativeFor} (a bounded set
 * of hashes), so a flood of bogus keys costs one table read per key and period, not one per request; a key created
 * meanwhile works once that period has passed.
 */
public final class Authenticator {
    private static final int MAX_CACHED = 10_000;

    private final ApiKeyStore keys;
    private final long cacheNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final long negativeNanos;
    private final Map<String, Long> unknown = new ConcurrentHashMap<>();

    public Authenticator(ApiKeyStore keys, Duration cacheFor) {
        this(keys, cacheFor, Duration.ZERO, System::nanoTime);
    }

    public Authenticator(ApiKeyStore keys, Duration cacheFor, Duration negativeFor) {
        this(keys, cacheFor, negativeFor, System::nanoTime);
    }

    Authenticator(ApiKeyStore keys, Duration cacheFor, Duration negativeFor, LongSupplier nanoTime) {
        this.keys = keys;
        this.cacheNanos = cacheFor.toNanos();
        this.negativeNanos = negativeFor.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The tenant, or empty when the headers carry no known key. Header names are matched case-insensitively. */
    public Optional<String> authenticate(Map<String, String> headers) {
        String key = keyFrom(headers);
        if (key == null || !ApiKeys.hasKeyShape(key)) {
            return Optional.empty();
        }
        String hash = ApiKeys.hash(key);
        long now = nanoTime.getAsLong();
        Cached cached = cache.get(hash);
        if (cached != null && now - cached.at < cacheNanos) {
            return Optional.of(cached.tenant);
        }
        Long unknownSince = unknown.get(hash);
        if (unknownSince != null && now - unknownSince < negativeNanos) {
            return Optional.empty();
        }
        Optional<String> tenant = keys.tenantOf(key);
        if (tenant.isPresent()) {
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
            cache.put(hash, new Cached(tenant.get(), now));
            unknown.remove(hash);
        } else {
            cache.remove(hash);
            if (negativeNanos > 0) {
                if (unknown.size() >= MAX_CACHED) {
                    unknown.clear();
                }
                unknown.put(hash, now);
            }
        }
        return tenant;
    }

    static String keyFrom(Map<String, String> headers) {
        if (headers == null) {
            return null;
        }
        String authorization = null;
        String apiKey = null;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            String name = header.getKey() == null ? "" : header.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("authorization")) {
                authorization = header.getValue();
            } else if (name.equals("x-api-key")) {
                apiKey = header.getValue();
            }
        }
        if (authorization != null) {
            String value = authorization.strip();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return value.substring(7).strip();
            }
        }
        return apiKey == null ? null : apiKey.strip();
    }

    private record Cached(String tenant, long at) {
    }
}
