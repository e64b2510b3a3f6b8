package dev.ebb.core.run;

import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.Outcome;
import java.util.Optional;

/**
 * A last word on a job its runner has just claimed, before it runs: the failure it ends with instead (the tenant was
 * switched off or ran out of budget while the job waited in the queue), or empty to run it. A check that cannot
 * decide (its store does not answer) lets the job run.
 */
@FunctionalInterface
public interface ClaimCheck {
    ClaimCheck NONE = envelope -> Optional.empty();

    Optional<Outcome.Failure> refuse(JobEnvelope envelope);
}
