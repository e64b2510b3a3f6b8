package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.queue.QueueText;
import dev.ebb.core.task.InvalidInputException;

/**
 * The task accepts the input ({@code 400} with the task's own code otherwise) and makes it canonical; the canonical
 * JSON must be text a queue can carry.
 */
final class InputValidation implements AdmissionStep {

    @Override
    public Decision admit(Admission submit) {
        try {
            submit.input(submit.task().validate(submit.request().input()));
        } catch (InvalidInputException e) {
            return Decision.reject(ApiException.badRequest(e.code(), e.getMessage()));
        }
        if (QueueText.firstInvalid(submit.inputJson()) >= 0) {
            return Decision.reject(ApiException.badRequest("invalid_input",
                    "input contains a character that cannot be queued (an unpaired surrogate, U+FFFE or U+FFFF)"));
        }
        return Decision.pass();
    }
}
