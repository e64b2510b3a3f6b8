package dev.ebb.core.task.math;

import java.math.BigDecimal;

/**
 * A question that parsed: {@code expression} is the arithmetic as the user wrote it (lead-in and trailing
 * punctuation dropped, operator words lower-cased, single spaces), {@code tree} is what it means.
 */
record Problem(String text, String expression, Expr tree) {

    /** Results with more digits than this (integer and fraction digits together) are refused. */
    static final int MAX_DIGITS = 100;

    /** The value, without trailing zeros. */
    BigDecimal solve() throws SolveException {
        BigDecimal value = tree.evaluate().stripTrailingZeros();
        if (digits(value) > MAX_DIGITS) {
            throw SolveException.unsolvable(text, "the result has more than " + MAX_DIGITS + " digits");
        }
        return value;
    }

    /** How many digits {@code toPlainString} writes, counting the leading "0" of a value below one. */
    private static int digits(BigDecimal value) {
        return Math.max(value.precision() - value.scale(), 1) + Math.max(value.scale(), 0);
    }
}
