package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.tenant.RateDecision;
import dev.ebb.core.tenant.TenantPolicy;
import dev.ebb.core.tenant.TenantStates;

/**
 * The tenant's requests per second with a burst ({@code 429 rate_limited} with Retry-After). The limit is read
 * through the short cache; the bucket itself is one conditional update on the tenant's item
 * ({@link dev.ebb.core.tenant.TenantStore#take}), so every process and function instance draws from the same one.
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
        if (policy.ratePerSecond() == null) {
            return Decision.pass();
        }
        return switch (states.store().take(submit.tenant(), policy.ratePerSecond(), policy.effectiveBurst(),
                submit.now())) {
            case RateDecision.Allowed allowed -> Decision.pass();
            case RateDecision.Limited(long retryAfter) -> Decision.reject(new ApiException(429, "rate_limited",
                    "more than " + policy.ratePerSecond() + " requests per second (burst " + policy.effectiveBurst()
                            + ") for this tenant; retry after " + retryAfter + " s", retryAfter));
        };
    }
}
