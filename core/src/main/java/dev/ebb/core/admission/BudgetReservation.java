package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.tenant.TenantStates;
import dev.ebb.core.tenant.TenantStore;

/**
 * The first phase of the budget: reserves the task's cost estimate, in the same conditional write that takes the
 * request's rate token ({@link Admission#reserveWithToken}, {@link TenantStore#charge}); a tenant whose budget cannot
 * cover it is refused with {@code 402 budget_exceeded} and nothing is written — no reservation and no token. The
 * reservation travels with the job's message and is settled when the job ends
 * ({@code dev.ebb.core.tenant.BudgetSettlement}); if the request does not end queued (a later step refuses it, it is
 * a replay, the send fails) it is undone at once. The token stays taken: the limit counts requests.
 *
 * <p>A tenant without a budget has nothing to protect: no reservation is written (the rate token, if any, is
 * written alone), and its job's spend is charged when it ends all the same. That spares the tenant's item one write
 * per submit, the commonest case's only one. The policy is read through the short cache, so for up to that long
 * after a budget is first set, jobs are accepted unreserved (charged when they end, as the claim's second look
 * still checks what is available).
 */
public final class BudgetReservation implements AdmissionStep {
    private final TenantStates states;
    private final TenantStore store;

    public BudgetReservation(TenantStates states) {
        this.states = states;
        this.store = states.store();
    }

    @Override
    public Stage stage() {
        return Stage.BUDGET;
    }

    @Override
    public Decision admit(Admission submit) {
        if (states.get(submit.tenant()).policy().budget() == null) {
            return submit.takePendingToken();
        }
        double amount = submit.task().costEstimate(submit.input());
        Decision charged = submit.reserveWithToken(store, amount);
        if (!(charged instanceof Decision.Pass)) {
            return charged;
        }
        submit.reserved(amount);
        String tenant = submit.tenant();
        submit.onAbandon(() -> store.settle(tenant, amount, 0));
        return Decision.pass();
    }

    /** The refusal of a request whose estimated cost does not fit in its tenant's budget. */
    static Decision exceeded(double amount) {
        return Decision.reject(new ApiException(402, "budget_exceeded", "this job's estimated cost (" + amount
                + ") does not fit in what is left of the tenant's budget; see GET /v1/usage"));
    }
}
