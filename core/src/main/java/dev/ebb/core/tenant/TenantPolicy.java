package dev.ebb.core.tenant;

/**
 * What an operator set for a tenant ({@code ebb keys create/update}): whether it is switched off, its rate limit
 * (requests per second with a burst) and its budget (in the tasks' cost units: 1 is one cheap job). A null limit
 * is no limit. {@link #check()} refuses values that make no sense, when they are set.
 */
public record TenantPolicy(boolean disabled, Double ratePerSecond, Integer burst, Double budget) {
    /** No switch, no limit. */
    public static final TenantPolicy NONE = new TenantPolicy(false, null, null, null);
    public static final double MAX_RATE_PER_SECOND = 100_000;
    public static final int MAX_BURST = 1_000_000;
    public static final double MAX_BUDGET = 1e12;

    /** The burst a rate limit gets where none is given: one second's worth, at least 1. */
    public int effectiveBurst() {
        return burst != null ? burst : (int) Math.max(1, Math.ceil(ratePerSecond == null ? 1 : ratePerSecond));
    }

    /** This policy, or an {@link IllegalArgumentException} that says what makes no sense. */
    public TenantPolicy check() {
        if (ratePerSecond != null && (!(ratePerSecond > 0) || ratePerSecond > MAX_RATE_PER_SECOND)) {
            throw new IllegalArgumentException("rate must be more than 0 and at most " + (long) MAX_RATE_PER_SECOND
                    + " requests per second, not " + ratePerSecond);
        }
        if (burst != null && (burst < 1 || burst > MAX_BURST)) {
            throw new IllegalArgumentException("burst must be 1 to " + MAX_BURST + ", not " + burst);
        }
        if (burst != null && ratePerSecond == null) {
            throw new IllegalArgumentException("a burst needs a rate");
        }
        if (budget != null && (!(budget >= 0) || budget > MAX_BUDGET || budget.isInfinite())) {
            throw new IllegalArgumentException("budget must be 0 or more (at most " + (long) MAX_BUDGET + "), not "
                    + budget);
        }
        return this;
    }
}
