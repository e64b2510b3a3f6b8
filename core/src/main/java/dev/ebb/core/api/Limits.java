package dev.ebb.core.api;

import java.time.Duration;

/**
 * Bounds on what the API accepts and how long jobs are kept.
 *
 * @param maxRequestBytes  the largest request body accepted (413 above it)
 * @param maxInputBytes    the largest job input, as compact JSON (413 above it)
 * @param inlineInputBytes the largest input carried inline in the job item and the SQS message; a larger one goes
 *                         to the object store and both carry its key (413 when there is no object store)
 * @param jobTtl           how long a job that has not finished is kept
 * @param resultTtl        how long a finished job and its result are kept
 */
public record Limits(int maxRequestBytes, int maxInputBytes, int inlineInputBytes, Duration jobTtl,
                     Duration resultTtl) {
    /** What fits in an SQS message (256 KiB) and a DynamoDB item (400 KB) with room for the rest. */
    public static final int DEFAULT_INLINE_INPUT_BYTES = 200 * 1024;
    public static final Limits DEFAULTS = new Limits(256 * 1024, 200 * 1024, DEFAULT_INLINE_INPUT_BYTES,
            Duration.ofDays(14), Duration.ofDays(1));

    public Limits {
        if (maxInputBytes <= 0 || maxRequestBytes < maxInputBytes) {
            throw new IllegalArgumentException("need 0 < maxInputBytes <= maxRequestBytes");
        }
        if (inlineInputBytes <= 0) {
            throw new IllegalArgumentException("need 0 < inlineInputBytes");
        }
        if (jobTtl.isNegative() || jobTtl.isZero() || resultTtl.isNegative() || resultTtl.isZero()) {
            throw new IllegalArgumentException("TTLs must be positive");
        }
    }

    /** Limits whose inputs are all inline (at most {@code maxInputBytes}). */
    public Limits(int maxRequestBytes, int maxInputBytes, Duration jobTtl, Duration resultTtl) {
        this(maxRequestBytes, maxInputBytes, DEFAULT_INLINE_INPUT_BYTES, jobTtl, resultTtl);
    }
}
