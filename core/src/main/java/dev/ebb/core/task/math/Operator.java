package dev.ebb.core.task.math;

import java.math.BigDecimal;
import java.math.MathContext;

/** The four operations; sums and products are exact, quotients are rounded to {@link MathContext#DECIMAL64}. */
enum Operator {
    ADD,
    SUBTRACT,
    MULTIPLY,
    DIVIDE;

    BigDecimal apply(BigDecimal left, BigDecimal right) throws SolveException {
        return switch (this) {
            case ADD -> left.add(right);
            case SUBTRACT -> left.subtract(right);
            case MULTIPLY -> left.multiply(right);
            case DIVIDE -> {
                if (right.signum() == 0) {
                    throw SolveException.divisionByZero(left);
                }
                yield left.divide(right, MathContext.DECIMAL64);
            }
        };
    }
}
