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
     * Takes one request from the tenant's token bucket ({@code ratePerSecond}, {@code burst}) at {@code now}, with
     * conditional writes only, so that every process shares one bucket.
     */
    RateDecision take(String tenant, double ratePerSecond, int burst, Instant now);

    /**
     * Reserves {@code amount} of the tenant's budget: always counted in {@code reserved}, and refused (false,
     * nothing written) where the tenant has a budget whose {@code available} is less than {@code amount}.
     */
    boolean reserve(String tenant, double amount);

    /** Ends a reservation of {@code reserved}, charging {@code charged} (0 for work that did not run). */
    void settle(String tenant, double reserved, double charged);

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
