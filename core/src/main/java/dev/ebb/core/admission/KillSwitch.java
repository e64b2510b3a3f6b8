package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.tenant.TenantStates;

/**
 * The service's and the tenant's switches ({@code 503 service_disabled} / {@code 503 tenant_disabled}), read
 * through {@link TenantStates}' short cache. A job queued before a switch flipped is stopped at its claim
 * ({@code dev.ebb.core.run.AdmissionAtClaim}).
 */
public final class KillSwitch implements AdmissionStep {
    /** What a switched-off answer suggests as Retry-After: an operator's switch is not a matter of seconds. */
    static final long RETRY_AFTER_SECONDS = 60;

    private final TenantStates states;

    public KillSwitch(TenantStates states) {
        this.states = states;
    }

    @Override
    public Stage stage() {
        return Stage.KILL_SWITCH;
    }

    @Override
    public Decision admit(Admission submit) {
        if (states.serviceDisabled()) {
            return Decision.reject(ApiException.unavailable("service_disabled",
                    "the service is switched off by its operator; nothing is accepted now", RETRY_AFTER_SECONDS));
        }
        if (states.get(submit.tenant()).policy().disabled()) {
            return Decision.reject(ApiException.unavailable("tenant_disabled",
                    "this tenant is switched off by the operator; nothing is accepted for it now",
                    RETRY_AFTER_SECONDS));
        }
        return Decision.pass();
    }
}
