package dev.ebb.core.task.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MathTaskTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final MathTask task = new MathTask();

    @Test
    void nameAndLane() {
        assertThat(task.name()).isEqualTo("math");
        assertThat(task.lane()).isEqualTo(Lane.CPU);
    }

    @Test
    void runBatch_seedExample_answersTwentyFive() {
        JsonNode result = succeed("What is 50 divided by 2?");

        assertThat(result.toString()).isEqualTo("{\"text\":\"50 divided by 2 = 25\",\"value\":25}");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            7 plus 5            | 7 plus 5 = 12
            7 + 5               | 7 + 5 = 12
            7 minus 5           | 7 minus 5 = 2
            7 - 5               | 7 - 5 = 2
            7 times 5           | 7 times 5 = 35
            7 multiplied by 5   | 7 multiplied by 5 = 35
            7 x 5               | 7 x 5 = 35
            7 * 5               | 7 * 5 = 35
            35 divided by 5     | 35 divided by 5 = 7
            35 over 5           | 35 over 5 = 7
            35 / 5              | 35 / 5 = 7
            """)
    void runBatch_eachOperator_answers(String text, String expected) {
        assertThat(succeed(text).get("text").asText()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            10 / 4              | 10 / 4 = 2.5
            0.1 plus 0.2        | 0.1 plus 0.2 = 0.3
            2.50 times 2        | 2.50 times 2 = 5
            .5 plus .25         | .5 plus .25 = 0.75
            1 divided by 3      | 1 divided by 3 = 0.3333333333333333
            2 divided by 3      | 2 divided by 3 = 0.6666666666666667
            1,000 plus 1        | 1,000 plus 1 = 1001
            1,234,567.5 x 2     | 1,234,567.5 x 2 = 2469135
            1 / 1000000000      | 1 / 1000000000 = 0.000000001
            """)
    void runBatch_withDecimals_answersExactly(String text, String expected) {
        assertThat(succeed(text).get("text").asText()).isEqualTo(expected);
    }

    @Test
    void runBatch_withDecimalResult_givesDecimalValue() {
        JsonNode value = succeed("10 / 4").get("value");

        assertThat(value.isIntegralNumber()).isFalse();
        assertThat(value.decimalValue()).isEqualByComparingTo("2.5");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            What is 1.5 times -4?    | 1.5 times -4 = -6
            negative 3 plus 5        | negative 3 plus 5 = 2
            Negative 3 times -3      | negative 3 times -3 = 9
            minus 2 minus 2          | minus 2 minus 2 = -4
            5 - -3                   | 5 - -3 = 8
            5--3                     | 5 - -3 = 8
            -2 x -2                  | -2 x -2 = 4
            5 minus 8                | 5 minus 8 = -3
            0 times -1               | 0 times -1 = 0
            -0 plus 0                | -0 plus 0 = 0
            0.0 times -2.5           | 0.0 times -2.5 = 0
            """)
    void runBatch_withNegatives_answers(String text, String expected) {
        assertThat(succeed(text).get("text").asText()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            2 plus 3 times 4              | 14
            2 * 3 + 4 * 5                 | 26
            10 minus 4 minus 3            | 3
            100 divided by 10 divided by 5| 2
            8 / 2 * 4                     | 16
            1 + 2 - 3 * 4 / 6             | 1
            """)
    void runBatch_withChains_usesNormalPrecedence(String text, String expected) {
        assertThat(succeed(text).get("value").decimalValue()).isEqualByComparingTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            What's 2 + 2                          | 2 + 2 = 4
            what’s 2 + 2?                         | 2 + 2 = 4
            CALCULATE 7 X 6.                      | 7 x 6 = 42
            Compute 9 over 3                      | 9 over 3 = 3
            How much is 3 times 3?                | 3 times 3 = 9
            What is 2+3??                         | 2 + 3 = 5
            '  What   is 6   Multiplied  BY 7 ? ' | 6 multiplied by 7 = 42
            what is 5x3                           | 5 x 3 = 15
            """)
    void runBatch_withLeadInsAndPunctuation_echoesNormalisedExpression(String text, String expected) {
        assertThat(succeed(text).get("text").asText()).isEqualTo(expected);
    }

    @Test
    void runBatch_whenDivisionByZero_failsWithDividend() {
        assertThat(run("5 divided by 0"))
                .isEqualTo(new Outcome.Failure("division_by_zero", "cannot divide 5 by zero"));
        assertThat(run("2 times 3 / 0.0"))
                .isEqualTo(new Outcome.Failure("division_by_zero", "cannot divide 6 by zero"));
    }

    @Test
    void runBatch_whenNoArithmetic_explainsWhatWasExpected() {
        assertThat(run("hello there")).isEqualTo(new Outcome.Failure("unsolvable",
                "no arithmetic found in 'hello there': expected numbers joined by plus, minus, times or divided by"));
        assertThat(failure("What is 5?").message()).startsWith("no arithmetic found in 'What is 5?'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            What is 5 plus banana?   | cannot solve 'What is 5 plus banana?': did not understand 'banana'; expected numbers joined by plus, minus, times or divided by
            5 plus                   | cannot solve '5 plus': expected a number after 'plus'
            5 plus times 2           | cannot solve '5 plus times 2': expected a number after 'plus', found 'times'
            5 3                      | cannot solve '5 3': expected plus, minus, times or divided by after '5', found '3'
            5 divided 3              | cannot solve '5 divided 3': expected 'by' after 'divided'
            5 % 3                    | cannot solve '5 % 3': did not understand '%'; expected numbers joined by plus, minus, times or divided by
            1,00 plus 1              | cannot solve '1,00 plus 1': did not understand ','; expected numbers joined by plus, minus, times or divided by
            """)
    void runBatch_whenUnsolvable_saysWhy(String text, String message) {
        assertThat(run(text)).isEqualTo(new Outcome.Failure("unsolvable", message));
    }

    @Test
    void runBatch_whenTextIsLong_truncatesTheQuote() {
        String text = "one plus two ".repeat(20) + "3";

        String message = failure(text).message();

        assertThat(message).startsWith("cannot solve '" + text.substring(0, 60) + "...': did not understand 'one'");
    }

    @Test
    void runBatch_whenNumbersAreHuge_isUnsolvable() {
        String tooLong = "1".repeat(101);
        String big = "1" + "0".repeat(60);

        assertThat(failure(tooLong + " plus 1").message()).contains("has more than 100 digits");
        assertThat(failure(big + " times " + big).message()).endsWith("the result has more than 100 digits");
        assertThat(succeed("1".repeat(100) + " times 1").get("text").asText()).endsWith(" = " + "1".repeat(100));
    }

    @Test
    void runBatch_withLargeWholeResult_givesIntegralValue() {
        String big = "1" + "0".repeat(30);

        JsonNode value = succeed(big + " times 2").get("value");

        assertThat(value.isIntegralNumber()).isTrue();
        assertThat(value.toString()).isEqualTo("2" + "0".repeat(30));
    }

    @Test
    void runBatch_whenDivisionByZero_failsThatJobOnly() {
        List<Outcome> outcomes = runBatch(List.of(
                text("1 plus 1"), text("1 / 0"), text("hello"), NODES.numberNode(5), text("3 times 3")));

        assertThat(outcomes).hasSize(5);
        assertThat(((Outcome.Success) outcomes.get(0)).result().get("text").asText()).isEqualTo("1 plus 1 = 2");
        assertThat(outcomes.get(1)).isEqualTo(new Outcome.Failure("division_by_zero", "cannot divide 1 by zero"));
        assertThat(((Outcome.Failure) outcomes.get(2)).code()).isEqualTo("unsolvable");
        assertThat(((Outcome.Failure) outcomes.get(3)).code()).isEqualTo("invalid_input");
        assertThat(((Outcome.Success) outcomes.get(4)).result().get("text").asText()).isEqualTo("3 times 3 = 9");
    }

    @Test
    void runBatch_withBareStringOrNull_treatsThemLikeValidate() {
        List<Outcome> outcomes = runBatch(Arrays.asList(NODES.textNode(" 2 + 2 "), null));

        assertThat(((Outcome.Success) outcomes.get(0)).result().get("value").asInt()).isEqualTo(4);
        assertThat(((Outcome.Failure) outcomes.get(1)).code()).isEqualTo("invalid_input");
    }

    @Test
    void validate_withObjectOrString_returnsCanonicalTrimmedForm() throws InvalidInputException {
        assertThat(task.validate(text("  What is 50 divided by 2?\n")).toString())
                .isEqualTo("{\"text\":\"What is 50 divided by 2?\"}");
        assertThat(task.validate(NODES.textNode("hello there")).toString()).isEqualTo("{\"text\":\"hello there\"}");
        assertThat(task.validate(text("x".repeat(1_000))).get("text").asText()).hasSize(1_000);
    }

    @Test
    void validate_whenShapeIsWrong_throwsInvalidInput() {
        ObjectNode extra = text("1 + 1").put("precision", 3);
        ObjectNode nonString = NODES.objectNode().put("text", 5);

        assertInvalid(NODES.numberNode(5), "expected an object {\"text\": \"...\"} or a string, got number");
        assertInvalid(NODES.arrayNode().add("1 + 1"), "expected an object {\"text\": \"...\"} or a string, got array");
        assertInvalid(NODES.nullNode(), "expected an object {\"text\": \"...\"} or a string, got null");
        assertInvalid(null, "expected an object {\"text\": \"...\"} or a string, got nothing");
        assertInvalid(NODES.objectNode(), "\"text\" is required and must be a string");
        assertInvalid(nonString, "\"text\" is required and must be a string");
        assertInvalid(extra, "unknown field 'precision'; only \"text\" is allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\t\n"})
    void validate_whenTextIsBlank_throwsInvalidInput(String blank) {
        assertInvalid(text(blank), "\"text\" must not be blank");
    }

    @Test
    void validate_whenTextIsTooLong_throwsInvalidInput() {
        assertInvalid(text("1".repeat(1_001)), "\"text\" is 1001 characters long; at most 1000 are allowed");
    }

    @Test
    void validate_doesNotSolve() throws InvalidInputException {
        assertThat(task.validate(text("5 divided by 0")).get("text").asText()).isEqualTo("5 divided by 0");
    }

    @Test
    void validateAndRunBatch_withRandomText_neverThrow() {
        String[] pieces = {"what is ", "What's ", "calculate ", "plus", "+", "minus", "-", "times", "x", "*",
                "multiplied", "by", "divided", "over", "/", "negative", " ", "  ", "0", "1", "7", "42", "3.5", ".",
                ",", "1,000", "?", "!", "(", ")", "é", "ß", "€", "\uD83D\uDE00", "\uD800", "\u0000", "\t",
                "9".repeat(60)};
        String[] numbers = {"0", "-1", "3.5", ".25", "1,000", "negative 2", "minus 7", "9".repeat(60)};
        String[] operators = {"plus", "+", "minus", "-", "times", "x", "*", "multiplied by", "divided by", "over", "/"};
        Random random = new Random(20_240_601L);
        List<JsonNode> inputs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            StringBuilder text = new StringBuilder(i % 3 == 0 ? "What is " : "");
            int length = random.nextInt(i % 50 == 0 ? 400 : 12);
            for (int j = 0; j < length; j++) {
                if (i % 2 == 0) { // mostly well-formed: numbers joined by operators, sometimes noise
                    text.append(j % 2 == 0 ? pick(random, numbers) : " " + pick(random, operators) + " ");
                    if (random.nextInt(20) == 0) {
                        text.append(pick(random, pieces));
                    }
                } else { // noise
                    text.append(random.nextBoolean()
                            ? pick(random, pieces)
                            : Character.toString(random.nextInt(0x3000)));
                }
            }
            inputs.add(random.nextBoolean() ? NODES.textNode(text.toString()) : text(text.toString()));
        }

        for (JsonNode input : inputs) {
            try {
                assertThat(task.validate(input).get("text").isTextual()).isTrue();
            } catch (InvalidInputException e) {
                assertThat(e.code()).isEqualTo("invalid_input");
            }
        }
        List<Outcome> outcomes = runBatch(inputs);

        assertThat(outcomes).hasSize(inputs.size()).doesNotContainNull();
        assertThat(outcomes).filteredOn(Outcome.Success.class::isInstance).hasSizeGreaterThan(50);
        assertThat(outcomes).filteredOn(Outcome.Failure.class::isInstance)
                .allSatisfy(o -> assertThat(((Outcome.Failure) o).code())
                        .isIn("invalid_input", "unsolvable", "division_by_zero"));
    }

    /** The inputs as one batch of jobs of one tenant. */
    private List<Outcome> runBatch(List<JsonNode> inputs) {
        List<JobContext> jobs = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            jobs.add(new JobContext("j_" + i, "acme", null, null, inputs.get(i)));
        }
        return task.runBatch(jobs);
    }

    private static String pick(Random random, String[] options) {
        return options[random.nextInt(options.length)];
    }

    private static ObjectNode text(String text) {
        return NODES.objectNode().put("text", text);
    }

    private Outcome run(String text) {
        List<Outcome> outcomes = runBatch(List.of(text(text)));
        assertThat(outcomes).hasSize(1);
        return outcomes.get(0);
    }

    private JsonNode succeed(String text) {
        Outcome outcome = run(text);
        assertThat(outcome).isInstanceOf(Outcome.Success.class);
        return ((Outcome.Success) outcome).result();
    }

    private Outcome.Failure failure(String text) {
        Outcome outcome = run(text);
        assertThat(outcome).isInstanceOf(Outcome.Failure.class);
        return (Outcome.Failure) outcome;
    }

    private void assertInvalid(JsonNode input, String message) {
        assertThatThrownBy(() -> task.validate(input))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_input"))
                .hasMessage(message);
    }
}
