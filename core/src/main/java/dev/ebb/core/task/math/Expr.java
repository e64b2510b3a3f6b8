package dev.ebb.core.task.math;

import java.math.BigDecimal;

/** A parsed arithmetic expression. */
sealed interface Expr {

    BigDecimal evaluate() throws SolveException;

    record Literal(BigDecimal value) implements Expr {
        @Override
        public BigDecimal evaluate() {
            return value;
        }
    }

    record Binary(Expr left, Operator operator, Expr right) implements Expr {
        @Override
        public BigDecimal evaluate() throws SolveException {
            return operator.apply(left.evaluate(), right.evaluate());
        }
    }
}
