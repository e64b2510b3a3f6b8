package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.tenant.TenantStore;

/**
 * The first phase of the budget: reserves the task's cost estimate with one conditional update
 * ({@link TenantStore#reserve}); a tenant whose budget cannot cover it is refused with {@code 402 budget_exceeded}
 * and nothing is written. The reservation travels with the job's message and is settled when the job ends
 * ({@code dev.ebb.core.run.BudgetSettlement}); if the request does not end queued (a later step refuses or answers
 * it, it is a replay, the send fails) it is undone at once.
 */
public final class BudgetReservation implements AdmissionStep {
    private final TenantStore store;

    public BudgetReservation(TenantStore store) {
        this.store = store;
    }

    @Override
    public Stage stage() {
        return Stage.BUDGET;
    }

    @Override
    public Decision admit(Admission submit) {
        double amount = submit.task().costEstimate(submit.input());
        if (!store.reserve(submit.tenant(), amount)) {
            return Decision.reject(new ApiException(402, "budget_exceeded", "this job's estimated cost (" + amount
                    + ") does not fit in what is left of the tenant's budget; see GET /v1/usage"));
        }
        submit.reserved(amount);
        String tenant = submit.tenant();
        submit.onAbandon(() -> store.settle(tenant, amount, 0));
        return Decision.pass();
    }
}
