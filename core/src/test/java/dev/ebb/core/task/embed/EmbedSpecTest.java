package dev.ebb.core.task.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.task.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EmbedSpecTest {
    private final EmbedSpec spec = new EmbedSpec(new EmbedSettings(4));

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void validate_whenABareStringOrTextObject_givesTheOneTextForm() throws Exception {
        assertThat(spec.validate(json("\"hello\"")).toString()).isEqualTo("{\"text\":\"hello\"}");
        assertThat(spec.validate(json("{\"text\":\"hello\"}")).toString()).isEqualTo("{\"text\":\"hello\"}");
        assertThat(spec.units(spec.validate(json("\"hello\"")))).isEqualTo(1);
    }

    @Test
    void validate_whenAListInEitherForm_givesTheListForm_countingEachText() throws Exception {
        JsonNode canonical = spec.validate(json("[\"a\",\"b\",\"c\"]"));

        assertThat(canonical.toString()).isEqualTo("{\"texts\":[\"a\",\"b\",\"c\"]}");
        assertThat(spec.validate(json("{\"texts\":[\"a\",\"b\",\"c\"]}"))).isEqualTo(canonical);
        assertThat(spec.units(canonical)).isEqualTo(3);
        assertThat(EmbedSpec.texts(canonical)).containsExactly("a", "b", "c");
        assertThat(spec.validate(canonical)).isEqualTo(canonical);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty string            | \"\"                              | invalid_input",
            "blank text field        | {\"text\":\"   \"}                | invalid_input",
            "empty list              | []                                | invalid_input",
            "non-string item         | [\"a\",3]                         | invalid_input",
            "null item               | [\"a\",null]                      | invalid_input",
            "object item             | [{\"text\":\"a\"}]                | invalid_input",
            "too many texts          | [\"a\",\"b\",\"c\",\"d\",\"e\"]   | too_many_texts",
            "both text and texts     | {\"text\":\"a\",\"texts\":[\"b\"]} | invalid_input",
            "neither                 | {}                                | invalid_input",
            "unknown field           | {\"text\":\"a\",\"lang\":\"en\"}  | invalid_input",
            "texts not a list        | {\"texts\":\"a\"}                 | invalid_input",
            "a number                | 42                                | invalid_input",
            "unknown encoding        | {\"text\":\"a\",\"encoding\":\"binary\"} | unknown_encoding",
            "encoding not a string   | {\"texts\":[\"a\"],\"encoding\":64} | unknown_encoding",
            "encoding null           | {\"text\":\"a\",\"encoding\":null} | unknown_encoding",
    })
    void validate_whenBadInput_refusesWithACode(String name, String input, String code) {
        assertThatThrownBy(() -> spec.validate(json(input)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }

    @Test
    void checkModel_acceptsNoneAndKnownModels_andRefusesOthersAsUnknownModel() throws Exception {
        spec.checkModel(null);
        spec.checkModel("all-minilm-l6-v2");
        spec.checkModel("all-minilm-l6-v2-q");

        assertThatThrownBy(() -> spec.checkModel("gpt-5"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.code()).isEqualTo("unknown_model");
                    assertThat(e.getMessage()).contains("gpt-5").contains("all-minilm-l6-v2");
                });
    }

    @Test
    void validate_whenBase64Encoding_keepsItInTheCanonicalForm_andTheDefaultIsLeftOut() throws Exception {
        JsonNode one = spec.validate(json("{\"text\":\"hello\",\"encoding\":\"base64\"}"));
        JsonNode list = spec.validate(json("{\"encoding\":\"base64\",\"texts\":[\"a\",\"b\"]}"));

        assertThat(one.toString()).isEqualTo("{\"text\":\"hello\",\"encoding\":\"base64\"}");
        assertThat(list.toString()).isEqualTo("{\"texts\":[\"a\",\"b\"],\"encoding\":\"base64\"}");
        assertThat(EmbedSpec.encoding(one)).isEqualTo(VectorEncoding.BASE64);
        assertThat(spec.validate(list)).as("the canonical form reads back as itself").isEqualTo(list);
        assertThat(spec.units(list)).isEqualTo(2);
        assertThat(EmbedSpec.texts(list)).containsExactly("a", "b");

        JsonNode floats = spec.validate(json("{\"text\":\"hello\",\"encoding\":\"float\"}"));
        assertThat(floats).as("naming the default is the default request").isEqualTo(spec.validate(json("\"hello\"")));
        assertThat(EmbedSpec.encoding(floats)).isEqualTo(VectorEncoding.FLOAT);
    }

    @Test
    void validate_whenUnknownEncoding_saysWhichValuesAreAllowed() {
        assertThatThrownBy(() -> spec.validate(json("{\"text\":\"a\",\"encoding\":\"base85\"}")))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.getMessage()).isEqualTo("\"encoding\" must be one of float, base64, got 'base85'"));
    }
}
