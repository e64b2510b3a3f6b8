package dev.ebb.core.tenant;

import dev.ebb.core.task.Lane;
import java.time.Instant;

/**
 * Admission control's shared state, kept atomic across processes (the port; {@link DynamoDbTenantStore} is its
 * adapter): tenants' policies and counters, the service's switch, the lanes' completion counters.
 */
public interface TenantStore {

    /** The tenant's policy and counters (a tenant never set up has no limits and zero counters). */
    TenantState state(String tenant);

    /** Whether the whole service is switched off. */
    boolean serviceDisabled();

    void setServiceDisabled(boolean disabled);

    /**
     * Replaces the tenant's policy (checked first: {@link TenantPolicy#check()}), recomputing the budget's
     * {@code available} from what is spent and reserved, atomically against concurrent reservations.
     */
    TenantState setPolicy(String tenant, TenantPolicy policy);

    /**
     * Writes {@code charge} to the tenant's item at {@code now} in one conditional update, or nothing at all: the
     * token from its bucket (shared by every process) and the reservation (always counted in {@code reserved};
     * refused where the tenant has a budget whose {@code available} is less than the amount). Where both would
     * refuse, the rate limit is the answer: it comes first in admission's order.
     */
    ChargeDecision charge(String tenant, TenantCharge charge, Instant now);

    /**
     * Ends a reservation of {@code reserved}, charging {@code charged} (0 for work that did not run); false, and
     * nothing written, where less than {@code reserved} is reserved.
     */
    boolean settle(String tenant, double reserved, double charged);

    /** Adds cache hits and the worker time they saved to the tenant's usage. */
    void recordCacheHits(String tenant, long hits, long savedMs);

    /**
     * Adds to the tenant's semantic-cache counters: answers given by meaning, of those the ones run again to check,
     * and of those the ones whose run gave another answer (false hits). One atomic ADD.
     */
    void recordSemantic(String tenant, SemanticCounts counts);

    /** Adds {@code jobs} to the lane's count of jobs its workers ended (for the measured drain rate). */
    void addCompleted(Lane lane, long jobs);

    /** The lane's count of ended jobs so far. */
    long completed(Lane lane);
}
