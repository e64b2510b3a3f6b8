package dev.ebb.core.session;

import dev.ebb.core.task.chat.Usage;
import java.time.Instant;
import java.util.Objects;

/**
 * One turn of a session: the user's message (the job that answers it), and once it ran its reply or error, usage
 * and cost. {@code status} is the turn's as the session knows it: QUEUED until the job ended, then SUCCEEDED or
 * FAILED (the job itself says whether a QUEUED turn is running).
 *
 * @param system the system prompt this turn gave (null: the session's latest one stays)
 */
public record Turn(String jobId, String text, String system, String status, Instant at, String model, String reply,
                   String errorCode, String errorMessage, Usage usage, double costUsd) {
    public static final String QUEUED = "QUEUED";
    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";

    public Turn {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(at, "at");
    }

    /** A turn just submitted. */
    public static Turn queued(String jobId, String text, String system, Instant at) {
        return new Turn(jobId, text, system, QUEUED, at, null, null, null, null, null, 0);
    }

    public boolean succeeded() {
        return SUCCEEDED.equals(status);
    }

    public boolean ended() {
        return SUCCEEDED.equals(status) || FAILED.equals(status);
    }
}
