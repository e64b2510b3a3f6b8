package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.task.InvalidInputException;

/** The task knows the model the request names ({@code 400 unknown_model}); tasks without models take any. */
final class ModelCheck implements AdmissionStep {

    @Override
    public Decision admit(Admission submit) {
        try {
            submit.task().checkModel(submit.request().model());
            return Decision.pass();
        } catch (InvalidInputException e) {
            return Decision.reject(ApiException.badRequest(e.code(), e.getMessage()));
        }
    }
}
