package dev.ebb.core.tenant;

/** What the rate limiter made of one request. */
public sealed interface RateDecision {
    record Allowed() implements RateDecision {
    }

    /** Over the limit: the next request fits in {@code retryAfterSeconds} (at least 1). */
    record Limited(long retryAfterSeconds) implements RateDecision {
    }
}
