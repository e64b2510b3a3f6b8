package dev.ebb.core.tenant;

/** What the tenant's item made of a {@link TenantCharge}: written whole, or refused whole (nothing written). */
public sealed interface ChargeDecision {
    /** The token was taken and the amount reserved. */
    record Charged() implements ChargeDecision {
    }

    /** Over the rate limit: the next request fits in {@code retryAfterSeconds} (at least 1). Nothing reserved. */
    record RateLimited(long retryAfterSeconds) implements ChargeDecision {
    }

    /** The reservation does not fit in what is left of the budget. No token taken. */
    record OverBudget() implements ChargeDecision {
    }
}
