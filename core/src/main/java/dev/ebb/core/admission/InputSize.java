package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.Limits;

/**
 * The canonical input fits {@code EBB_MAX_INPUT_BYTES} ({@code 413 input_too_large}); one over
 * {@code EBB_LARGE_INPUT_BYTES} needs an object store, and a deployment without one refuses it with a 413 that says
 * so.
 */
final class InputSize implements AdmissionStep {
    private final Limits limits;
    private final boolean objectStore;

    InputSize(Limits limits, boolean objectStore) {
        this.limits = limits;
        this.objectStore = objectStore;
    }

    @Override
    public Decision admit(Admission submit) {
        int bytes = submit.inputBytes();
        if (bytes > limits.maxInputBytes()) {
            return Decision.reject(ApiException.tooLarge("input_too_large",
                    "input is " + bytes + " bytes; the limit is " + limits.maxInputBytes()));
        }
        if (bytes > limits.inlineInputBytes() && !objectStore) {
            return Decision.reject(ApiException.tooLarge("input_too_large", "input is " + bytes
                    + " bytes; inputs over " + limits.inlineInputBytes() + " bytes need an object store, and this"
                    + " deployment has none (EBB_BUCKET is not set)"));
        }
        return Decision.pass();
    }
}
