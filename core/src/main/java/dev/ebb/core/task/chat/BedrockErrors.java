package dev.ebb.core.task.chat;

import dev.ebb.core.task.Outcome;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelStreamErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelTimeoutException;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * What a Bedrock error means for a chat turn, once the SDK's own retries are spent. Throttling, a model that is not
 * ready, and Bedrock's own faults (5xx, a timeout, no connection) are "not now": the job goes back to its queue with
 * a growing delay ({@link Outcome.Retry}). An error that is the request's fault ends the turn FAILED with Bedrock's
 * message and a code of Ebb's, never in a retry loop.
 */
public final class BedrockErrors {

    private BedrockErrors() {
    }

    /** The outcome of a turn whose call failed with {@code error} (a completion wrapper is looked through). */
    public static Outcome outcome(Throwable error, String model) {
        Throwable e = unwrap(error);
        String message = e instanceof BedrockRuntimeException b && b.awsErrorDetails() != null
                && b.awsErrorDetails().errorMessage() != null ? b.awsErrorDetails().errorMessage() : e.getMessage();
        message = message == null ? e.getClass().getSimpleName() : message;
        return switch (e) {
            case ThrottlingException t -> new Outcome.Retry("bedrock_throttled",
                    "Bedrock throttled the call past the SDK's retries: " + message);
            case ModelNotReadyException t -> new Outcome.Retry("bedrock_model_not_ready",
                    "the model is not ready yet: " + message);
            case ServiceUnavailableException t -> new Outcome.Retry("bedrock_unavailable", message);
            case InternalServerException t -> new Outcome.Retry("bedrock_internal_error", message);
            case ModelTimeoutException t -> new Outcome.Retry("bedrock_timeout", message);
            case ValidationException t -> new Outcome.Failure("bedrock_validation", "Bedrock refused the request: "
                    + message);
            case AccessDeniedException t -> new Outcome.Failure("bedrock_access_denied", "Bedrock denied access to"
                    + " model '" + model + "' (model access may not be enabled for it in this account and region:"
                    + " the Bedrock console's Model access page; or the role lacks bedrock:InvokeModel*): "
                    + message);
            case ResourceNotFoundException t -> new Outcome.Failure("bedrock_model_not_found", "Bedrock has no model '"
                    + model + "' here: " + message);
            case ServiceQuotaExceededException t -> new Outcome.Failure("bedrock_quota_exceeded",
                    "the request exceeds a Bedrock quota: " + message);
            case ModelErrorException t -> new Outcome.Failure("bedrock_model_error", "the model failed: " + message);
            case ModelStreamErrorException t -> new Outcome.Failure("bedrock_model_error",
                    "the model's stream failed: " + message);
            case BedrockRuntimeException t when t.statusCode() >= 500 || t.statusCode() == 429 ->
                    new Outcome.Retry("bedrock_unavailable", message);
            case BedrockRuntimeException t -> new Outcome.Failure("bedrock_error", message);
            case SdkClientException t -> new Outcome.Retry("bedrock_unreachable", "Bedrock did not answer: "
                    + message);
            default -> throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        };
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
