package dev.ebb.core.api;

import java.time.Duration;

/**
 * Bounds on what the API accepts and how long jobs are kept.
 *
 * @param maxRequestBytes the largest request body accepted (413 above it)
 * @param maxInputBytes   the largest job input, as compact JSON (413 above it); inline in the SQS message
 * @param jobTtl          how long a job that has not finished is kept
 * @param resultTtl       how long a finished job and its result are kept
 */
public record Limits(int maxRequestBytes, int maxInputBytes, Duration jobTtl, Duration resultTtl) {
    public static final Limits DEFAULTS = new Limits(256 * 1024, 200 * 1024, Duration.ofDays(14), Duration.ofDays(1));

    public Limits {
        if (maxInputBytes <= 0 || maxRequestBytes < maxInputBytes) {
            throw new IllegalArgumentException("need 0 < maxInputBytes <= maxRequestBytes");
        }
        if (jobTtl.isNegative() || jobTtl.isZero() || resultTtl.isNegative() || resultTtl.isZero()) {
            throw new IllegalArgumentException("TTLs must be positive");
        }
    }
}
