package dev.ebb.core.job;

import java.util.Objects;

/** Why a job failed, in words a client can act on. */
public record JobError(String code, String message) {
    public JobError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
