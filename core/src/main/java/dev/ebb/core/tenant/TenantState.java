package dev.ebb.core.tenant;

import java.util.Objects;

/**
 * A tenant's item as read: its policy and its counters.
 *
 * @param spent     cost charged for jobs that ended
 * @param reserved  cost reserved for jobs admitted and not yet ended
 * @param available budget - spent - reserved, kept by the same atomic updates (meaningful only with a budget)
 * @param cacheHits requests answered from the cache
 * @param savedMs   worker milliseconds those hits did not spend
 */
public record TenantState(String tenant, TenantPolicy policy, double spent, double reserved, double available,
                          long cacheHits, long savedMs) {
    public TenantState {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(policy, "policy");
    }

    public static TenantState empty(String tenant) {
        return new TenantState(tenant, TenantPolicy.NONE, 0, 0, 0, 0, 0);
    }

    /** Whether the tenant has a budget and is over it (spent and reserved exceed it). */
    public boolean overBudget() {
        return policy.budget() != null && available < 0;
    }
}
