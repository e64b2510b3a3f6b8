package dev.ebb.core.job;

import java.time.Instant;
import java.util.Objects;

/**
 * The last failure a worker saw on a job that it left for another try (the job stayed QUEUED or RUNNING): what the
 * dead-letter consumer names when the job never finishes, and what {@code GET} shows while it is retried.
 *
 * @param code    a stable snake_case identifier, such as {@code store_unavailable} or {@code lease_lost}
 * @param message what happened, in words (never a payload or a stack trace)
 * @param at      when the worker saw it
 * @param by      the claim (lease owner) of the run that saw it
 */
public record LastError(String code, String message, Instant at, String by) {
    public LastError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(by, "by");
    }
}
