package dev.ebb.core.tenant;

/**
 * A tenant's semantic-cache figures (or an increment of them): what {@code GET /v1/usage} reports as the measured
 * false-hit rate.
 *
 * @param hits      jobs answered by meaning
 * @param checked   of those, the ones run again in the background and compared with the cached answer
 * @param falseHits of those checked, the ones whose run gave a different answer
 */
public record SemanticCounts(long hits, long checked, long falseHits) {
    public static final SemanticCounts NONE = new SemanticCounts(0, 0, 0);

    public SemanticCounts {
        if (hits < 0 || checked < 0 || falseHits < 0 || falseHits > checked) {
            throw new IllegalArgumentException("semantic counts must be 0 or more, false hits at most the checked");
        }
    }

    public boolean isEmpty() {
        return hits == 0 && checked == 0;
    }

    public SemanticCounts plus(SemanticCounts other) {
        return new SemanticCounts(hits + other.hits, checked + other.checked, falseHits + other.falseHits);
    }

    /** The measured false-hit rate, or null where no hit has been checked. */
    public Double falseHitRate() {
        return checked == 0 ? null : (double) falseHits / checked;
    }
}
