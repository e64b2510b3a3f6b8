package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.job.Job;
import java.util.Objects;

/** What an {@link AdmissionStep} made of a request. */
public sealed interface Decision {

    /** On to the next step. */
    Decision PASS = new Pass();

    record Pass() implements Decision {
    }

    /** Refused, with the status, code, message and Retry-After the client gets; nothing was stored or queued. */
    record Reject(ApiException error) implements Decision {
        public Reject {
            Objects.requireNonNull(error, "error");
        }
    }

    /** Answered without a run: {@code job} has ended and holds its result. */
    record Answer(Job job) implements Decision {
        public Answer {
            Objects.requireNonNull(job, "job");
        }
    }

    static Decision pass() {
        return PASS;
    }

    static Decision reject(ApiException error) {
        return new Reject(error);
    }

    static Decision answer(Job job) {
        return new Answer(job);
    }
}
