package dev.ebb.core.task.math;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a question such as "What is 50 divided by 2?" into a {@link Problem}: a hand-written tokenizer followed by
 * a recursive-descent parser with the usual precedence (times and divided by before plus and minus, left to right).
 *
 * <pre>
 * question   := [lead-in] expression ["?" | "."]...
 * lead-in    := "what is" | "what's" | "calculate" | "compute" | "how much is"      (any case)
 * expression := term (("plus" | "+" | "minus" | "-") term)*
 * term       := operand (("times" | "multiplied by" | "x" | "*" | "divided by" | "over" | "/") operand)*
 * operand    := ["-" | "minus" | "negative"] number
 * number     := 123 | 1,234,567 | 1.5 | .5                                           (at most 100 digits)
 * </pre>
 */
final class ProblemParser {
    private static final Pattern LEAD_IN =
            Pattern.compile("^(?:what\\s+is|what['’]s|calculate|compute|how\\s+much\\s+is)\\b\\s*",
                    Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    private static final Pattern NUMBER = Pattern.compile("(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|\\.\\d+");
    private static final String OPERATORS = "plus, minus, times or divided by";

    private sealed interface Token {
        /** The token as it is echoed in the expression. */
        String shown();
    }

    private record Num(String shown, BigDecimal value) implements Token {
    }

    private record Op(String shown, Operator operator) implements Token {
    }

    /** The word "negative", which only ever signs the number after it. */
    private record Negative(String shown) implements Token {
    }

    private final String text;
    private final List<Token> tokens;
    private final List<String> shown = new ArrayList<>();
    private int next;

    private ProblemParser(String text, List<Token> tokens) {
        this.text = text;
        this.tokens = tokens;
    }

    /** Parses a question (already stripped of surrounding whitespace). */
    static Problem parse(String text) throws SolveException {
        if (text.chars().noneMatch(c -> c >= '0' && c <= '9')) {
            throw SolveException.noArithmetic(text);
        }
        ProblemParser parser = new ProblemParser(text, tokenize(text, arithmeticPart(text)));
        Expr tree = parser.expression();
        if (parser.next < parser.tokens.size()) {
            throw parser.operatorExpected();
        }
        if (tree instanceof Expr.Literal) {
            throw SolveException.noArithmetic(text);
        }
        return new Problem(text, String.join(" ", parser.shown), tree);
    }

    /** The text without its lead-in and trailing question marks or full stops. */
    private static String arithmeticPart(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '?' || text.charAt(end - 1) == '.'
                || Character.isWhitespace(text.charAt(end - 1)))) {
            end--;
        }
        Matcher leadIn = LEAD_IN.matcher(text).region(0, end);
        return text.substring(leadIn.lookingAt() ? leadIn.end() : 0, end);
    }

    private static List<Token> tokenize(String text, String part) throws SolveException {
        List<Token> tokens = new ArrayList<>();
        Matcher number = NUMBER.matcher(part);
        int i = 0;
        while (i < part.length()) {
            int c = part.codePointAt(i);
            if (Character.isWhitespace(c)) {
                i += Character.charCount(c);
            } else if (number.region(i, part.length()).lookingAt()) {
                tokens.add(number(text, number.group()));
                i = number.end();
            } else if (Character.isLetter(c)) {
                int end = wordEnd(part, i);
                String word = part.substring(i, end).toLowerCase(Locale.ROOT);
                if (word.equals("multiplied") || word.equals("divided")) {
                    int byStart = skipWhitespace(part, end);
                    int byEnd = wordEnd(part, byStart);
                    if (!part.substring(byStart, byEnd).equalsIgnoreCase("by")) {
                        throw SolveException.unsolvable(text, "expected 'by' after '" + word + "'");
                    }
                    end = byEnd;
                    word += " by";
                }
                tokens.add(word(text, word));
                i = end;
            } else {
                tokens.add(switch (c) {
                    case '+' -> new Op("+", Operator.ADD);
                    case '-' -> new Op("-", Operator.SUBTRACT);
                    case '*' -> new Op("*", Operator.MULTIPLY);
                    case '/' -> new Op("/", Operator.DIVIDE);
                    default -> throw notUnderstood(text, Character.toString(c));
                });
                i += Character.charCount(c);
            }
        }
        return tokens;
    }

    private static Token number(String text, String literal) throws SolveException {
        if (literal.chars().filter(c -> c >= '0' && c <= '9').count() > Problem.MAX_DIGITS) {
            throw SolveException.unsolvable(text, "the number '" + SolveException.shorten(literal)
                    + "' has more than " + Problem.MAX_DIGITS + " digits");
        }
        return new Num(literal, new BigDecimal(literal.replace(",", "")));
    }

    private static Token word(String text, String word) throws SolveException {
        return switch (word) {
            case "plus" -> new Op(word, Operator.ADD);
            case "minus" -> new Op(word, Operator.SUBTRACT);
            case "times", "multiplied by", "x" -> new Op(word, Operator.MULTIPLY);
            case "divided by", "over" -> new Op(word, Operator.DIVIDE);
            case "negative" -> new Negative(word);
            default -> throw notUnderstood(text, word);
        };
    }

    private static SolveException notUnderstood(String text, String what) {
        return SolveException.unsolvable(text,
                "did not understand '" + SolveException.shorten(what) + "'; " + SolveException.EXPECTED);
    }

    private static int wordEnd(String s, int from) {
        int i = from;
        while (i < s.length() && Character.isLetter(s.codePointAt(i))) {
            i += Character.charCount(s.codePointAt(i));
        }
        return i;
    }

    private static int skipWhitespace(String s, int from) {
        int i = from;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private Expr expression() throws SolveException {
        Expr left = term();
        while (peekOperator(Operator.ADD, Operator.SUBTRACT) instanceof Op op) {
            shown.add(op.shown());
            next++;
            left = new Expr.Binary(left, op.operator(), term());
        }
        return left;
    }

    private Expr term() throws SolveException {
        Expr left = operand();
        while (peekOperator(Operator.MULTIPLY, Operator.DIVIDE) instanceof Op op) {
            shown.add(op.shown());
            next++;
            left = new Expr.Binary(left, op.operator(), operand());
        }
        return left;
    }

    private Expr operand() throws SolveException {
        Token sign = null;
        if (peek() instanceof Negative || peekOperator(Operator.SUBTRACT) != null) {
            sign = tokens.get(next++);
        }
        if (!(peek() instanceof Num num)) {
            throw numberExpected(sign != null ? sign : previous());
        }
        next++;
        if (sign == null) {
            shown.add(num.shown());
            return new Expr.Literal(num.value());
        }
        // A "-" sign is written against its number ("-4"); a sign word stays a word ("negative 4").
        shown.add(sign.shown().equals("-") ? "-" + num.shown() : sign.shown() + " " + num.shown());
        return new Expr.Literal(num.value().negate());
    }

    private Token peek() {
        return next < tokens.size() ? tokens.get(next) : null;
    }

    private Token previous() {
        return next > 0 ? tokens.get(next - 1) : null;
    }

    /** The next token if it is one of the given operators, else null. */
    private Op peekOperator(Operator... wanted) {
        if (peek() instanceof Op op) {
            for (Operator operator : wanted) {
                if (op.operator() == operator) {
                    return op;
                }
            }
        }
        return null;
    }

    private SolveException numberExpected(Token after) {
        String where = after == null ? "" : " after '" + SolveException.shorten(after.shown()) + "'";
        String found = peek() == null ? "" : ", found '" + SolveException.shorten(peek().shown()) + "'";
        return SolveException.unsolvable(text, "expected a number" + where + found);
    }

    private SolveException operatorExpected() {
        return SolveException.unsolvable(text, "expected " + OPERATORS
                + " after '" + SolveException.shorten(previous().shown())
                + "', found '" + SolveException.shorten(peek().shown()) + "'");
    }
}
