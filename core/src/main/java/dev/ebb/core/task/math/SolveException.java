package dev.ebb.core.task.math;

import java.math.BigDecimal;

/** Why one text could not be answered; becomes a per-job {@code Outcome.Failure}. */
final class SolveException extends Exception {
    static final String UNSOLVABLE = "unsolvable";
    static final String DIVISION_BY_ZERO = "division_by_zero";
    static final String EXPECTED = "expected numbers joined by plus, minus, times or divided by";

    private static final int MAX_QUOTED = 60;

    private final String code;

    private SolveException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    String code() {
        return code;
    }

    static SolveException noArithmetic(String text) {
        return new SolveException(UNSOLVABLE, "no arithmetic found in '" + shorten(text) + "': " + EXPECTED);
    }

    static SolveException unsolvable(String text, String detail) {
        return new SolveException(UNSOLVABLE, "cannot solve '" + shorten(text) + "': " + detail);
    }

    static SolveException divisionByZero(BigDecimal dividend) {
        return new SolveException(DIVISION_BY_ZERO,
                "cannot divide " + shorten(dividend.stripTrailingZeros().toPlainString()) + " by zero");
    }

    /** Cuts long user text so that messages stay readable. */
    static String shorten(String text) {
        return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
    }
}
