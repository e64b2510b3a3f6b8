package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.tenant.TenantPolicy;
import dev.ebb.core.tenant.TenantStates;

/**
 * The tenant's requests per second with a burst ({@code 429 rate_limited} with Retry-After). The limit is read
 * through the short cache; the bucket itself lives on the tenant's item, so every process and function instance
 * draws from the same one. This step writes nothing: it grants the request a token ({@link Admission#tokenPending}),
 * taken in the same conditional write as the budget's reservation ({@link BudgetReservation}) — one write for both
 * instead of two in a row — or alone by whatever ends the admission before the budget step (a cached answer takes it
 * before it is written; a refusal in between takes it too, as the limit counts requests). So the order of the
 * answers is as before: a request over the rate is refused {@code 429} ahead of a cached answer or a {@code 402}.
 */
public final class RateLimit implements AdmissionStep {
    private final TenantStates states;

    public RateLimit(TenantStates states) {
        this.states = states;
    }

    @Override
    public Stage stage() {
        return Stage.RATE_LIMIT;
    }

    @Override
    public Decision admit(Admission submit) {
        TenantPolicy policy = states.get(submit.tenant()).policy();
        if (policy.ratePerSecond() != null) {
            submit.pendingToken(states.store(), policy.ratePerSecond(), policy.effectiveBurst());
        }
        return Decision.pass();
    }

    /** The refusal of a request over its tenant's rate. */
    static Decision limited(double ratePerSecond, int burst, long retryAfter) {
        return Decision.reject(new ApiException(429, "rate_limited", "more than " + ratePerSecond
                + " requests per second (burst " + burst + ") for this tenant; retry after " + retryAfter + " s",
                retryAfter));
    }
}
