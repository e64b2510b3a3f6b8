package dev.ebb.core.task.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.task.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClassifySpecTest {
    private final ClassifySpec spec = new ClassifySpec(new EmbedSettings(6));

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void validate_whenLabelsInAnyOfTheThreeForms_givesOneCanonicalForm() throws Exception {
        JsonNode fromObjects = spec.validate(json("""
                {"text":"I love it","labels":[{"label":"positive","examples":["great"]},{"label":"negative"}]}"""));
        JsonNode fromMap = spec.validate(json("""
                {"text":"I love it","labels":{"positive":["great"],"negative":["awful"]}}"""));
        JsonNode fromNames = spec.validate(json("{\"text\":\"I love it\",\"labels\":[\"positive\",\"negative\"]}"));

        assertThat(fromObjects.toString()).isEqualTo(
                "{\"text\":\"I love it\",\"labels\":[{\"label\":\"positive\",\"examples\":[\"great\"]},"
                        + "{\"label\":\"negative\"}]}");
        assertThat(fromMap.path("labels").get(1).path("examples").get(0).asText()).isEqualTo("awful");
        assertThat(fromNames.path("labels").size()).isEqualTo(2);
        assertThat(spec.validate(fromObjects)).isEqualTo(fromObjects);
    }

    @Test
    void units_countTheTextAndEveryLabelText() throws Exception {
        JsonNode canonical = spec.validate(json("""
                {"text":"t","labels":[{"label":"a","examples":["1","2","3"]},"b"]}"""));

        assertThat(spec.units(canonical)).isEqualTo(1 + 3 + 1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "labels missing       | {\"text\":\"t\"}                                      | missing_labels",
            "labels empty         | {\"text\":\"t\",\"labels\":[]}                        | missing_labels",
            "one label            | {\"text\":\"t\",\"labels\":[\"a\"]}                   | missing_labels",
            "labels a string      | {\"text\":\"t\",\"labels\":\"a,b\"}                   | missing_labels",
            "duplicate label      | {\"text\":\"t\",\"labels\":[\"a\",\"b\",\"a\"]}       | duplicate_label",
            "duplicate after trim | {\"text\":\"t\",\"labels\":[\"a\",\" a \"]}          | duplicate_label",
            "empty label          | {\"text\":\"t\",\"labels\":[\"a\",\"\"]}              | invalid_input",
            "non-string label     | {\"text\":\"t\",\"labels\":[\"a\",7]}                 | invalid_input",
            "empty examples       | {\"text\":\"t\",\"labels\":{\"a\":[],\"b\":[\"x\"]}}  | invalid_input",
            "non-string example   | {\"text\":\"t\",\"labels\":{\"a\":[1],\"b\":[\"x\"]}} | invalid_input",
            "empty text           | {\"text\":\"\",\"labels\":[\"a\",\"b\"]}              | invalid_input",
            "text missing         | {\"labels\":[\"a\",\"b\"]}                            | invalid_input",
            "too many texts       | {\"text\":\"t\",\"labels\":{\"a\":[\"1\",\"2\",\"3\"],\"b\":[\"4\",\"5\",\"6\"]}} | too_many_texts",
            "not an object        | \"hello\"                                             | invalid_input",
    })
    void validate_whenBadInput_refusesWithACode(String name, String input, String code) {
        assertThatThrownBy(() -> spec.validate(json(input)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }
}
