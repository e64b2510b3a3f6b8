package dev.ebb.core.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * What one input of a batch came to: a result, an error the client can read, or a reason to try again later (a
 * backing service that throttled past its retries: the job goes back to its queue, it does not fail).
 */
public sealed interface Outcome {

    record Success(JsonNode result) implements Outcome {
        public Success {
            Objects.requireNonNull(result, "result");
        }
    }

    /** A per-job failure: {@code code} is a stable snake_case identifier, {@code message} says what was wrong. */
    record Failure(String code, String message) implements Outcome {
        public Failure {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Not now: the job goes back to its queue, released (QUEUED again), with {@code code} and {@code message} as its
     * last error, and comes back after a delay that grows with each return (JobRunner's {@code Requeue}). It never
     * ends the job; a job that keeps coming back reaches its queue's dead-letter queue in the end.
     */
    record Retry(String code, String message) implements Outcome {
        public Retry {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }

    static Outcome success(JsonNode result) {
        return new Success(result);
    }

    static Outcome failure(String code, String message) {
        return new Failure(code, message);
    }
}
