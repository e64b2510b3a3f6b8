package dev.ebb.core.tenant;

import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.run.ClaimCheck;
import dev.ebb.core.task.Outcome;
import java.util.Optional;

/**
 * Admission's second look, when a worker claims a job: a job that waited in the queue while its tenant (or the
 * service) was switched off, or while its tenant's budget was cut below what it has spent and reserved, ends FAILED
 * {@code service_disabled} / {@code tenant_disabled} / {@code budget_exceeded} and is not run (its reservation is
 * released, uncharged, by {@link BudgetSettlement}). Reads through the same short cache as submit.
 */
public final class AdmissionAtClaim implements ClaimCheck {
    private final TenantStates states;

    public AdmissionAtClaim(TenantStates states) {
        this.states = states;
    }

    @Override
    public Optional<Outcome.Failure> refuse(JobEnvelope envelope) {
        if (states.serviceDisabled()) {
            return Optional.of(new Outcome.Failure("service_disabled",
                    "the service was switched off while the job waited; it was not run"));
        }
        TenantState tenant = states.get(envelope.tenant());
        if (tenant.policy().disabled()) {
            return Optional.of(new Outcome.Failure("tenant_disabled",
                    "the tenant was switched off while the job waited; it was not run"));
        }
        if (tenant.overBudget()) {
            return Optional.of(new Outcome.Failure("budget_exceeded", "the tenant's budget (" + tenant.policy().budget()
                    + ") was used up while the job waited (spent " + tenant.spent() + ", reserved " + tenant.reserved()
                    + "); it was not run"));
        }
        return Optional.empty();
    }
}
