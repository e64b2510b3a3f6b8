package dev.ebb.core.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** What one input of a batch came to: a result, or an error the client can read. */
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

    static Outcome success(JsonNode result) {
        return new Success(result);
    }

    static Outcome failure(String code, String message) {
        return new Failure(code, message);
    }
}
