package dev.ebb.core.tenant;

/**
 * What one request writes to its tenant's item, in one conditional update ({@link TenantStore#charge}): a token from
 * the rate bucket, where the tenant has a rate limit, and a reservation of the request's estimated cost, where it will
 * be queued. Folding both into one write is what keeps a submit's calls in a row few: rate and budget live on the
 * same item, and one condition over both tells which one refused.
 *
 * @param ratePerSecond the bucket's rate, or null: no token is taken
 * @param burst         the bucket's burst (meaningless without a rate)
 * @param reserve       the amount to reserve, or null: nothing is reserved (a cached answer costs a token only)
 */
public record TenantCharge(Double ratePerSecond, int burst, Double reserve) {
    public TenantCharge {
        if (ratePerSecond == null && reserve == null) {
            throw new IllegalArgumentException("a charge takes a token, reserves, or both");
        }
        if (ratePerSecond != null && (!(ratePerSecond > 0) || burst < 1)) {
            throw new IllegalArgumentException("a token needs a rate above 0 and a burst of 1 or more");
        }
        if (reserve != null && !(reserve >= 0)) {
            throw new IllegalArgumentException("a reservation must be 0 or more, not " + reserve);
        }
    }

    /** A token alone. */
    public static TenantCharge token(double ratePerSecond, int burst) {
        return new TenantCharge(ratePerSecond, burst, null);
    }

    /** A reservation alone (a tenant without a rate limit). */
    public static TenantCharge reservation(double amount) {
        return new TenantCharge(null, 0, amount);
    }

    /** This charge's token (if any) together with a reservation of {@code amount}. */
    public TenantCharge reserving(double amount) {
        return new TenantCharge(ratePerSecond, burst, amount);
    }

    public boolean takesToken() {
        return ratePerSecond != null;
    }

    public boolean reserves() {
        return reserve != null;
    }
}
