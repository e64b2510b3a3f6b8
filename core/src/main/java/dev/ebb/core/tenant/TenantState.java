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
 * @param semantic  the semantic cache's answers, checks and false hits
 */
public record TenantState(String tenant, TenantPolicy policy, double spent, double reserved, double available,
                          long cacheHits, long savedMs, SemanticCounts semantic) {
    public TenantState {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(semantic, "semantic");
    }

    public TenantState(String tenant, TenantPolicy policy, double spent, double reserved, double available,
                       long cacheHits, long savedMs) {
        this(tenant, policy, spent, reserved, available, cacheHits, savedMs, SemanticCounts.NONE);
    }

    public static TenantState empty(String tenant) {
        return new TenantState(tenant, TenantPolicy.NONE, 0, 0, 0, 0, 0);
    }

    /** Whether the tenant has a budget and is over it (spent and reserved exceed it). */
    public boolean overBudget() {
        return policy.budget() != null && available < 0;
    }
}
