package dev.ebb.core.task.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.Lane;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatSpecTest {
    private final ChatSpec spec = new ChatSpec(ChatSettings.fromEnv(Map.of(Deployment.CHAT_MAX_TOKENS.name(), "800")));

    private static JsonNode json(String text) {
        return Json.readTrusted(text);
    }

    private String code(String input) {
        try {
            spec.validate(json(input));
            return "valid";
        } catch (InvalidInputException e) {
            return e.code();
        }
    }

    @Test
    void validate_makesTheInputCanonical() throws Exception {
        assertThat(spec.lane()).isEqualTo(Lane.LLM);
        assertThat(spec.validate(json("{\"text\":\"hi\"}"))).isEqualTo(json("{\"text\":\"hi\",\"maxTokens\":512}"));
        assertThat(spec.validate(json("{\"text\":\"hi\",\"session\":\"s-1\",\"system\":\"be brief\","
                + "\"maxTokens\":800,\"temperature\":0.5}")))
                .isEqualTo(json("{\"session\":\"s-1\",\"text\":\"hi\",\"system\":\"be brief\",\"maxTokens\":800,"
                        + "\"temperature\":0.5}"));
    }

    @Test
    void validate_refusesBadInputWithACode() {
        assertThat(code("\"hi\"")).isEqualTo("invalid_input");
        assertThat(code("{}")).isEqualTo("missing_field");
        assertThat(code("{\"text\":\"  \"}")).isEqualTo("empty_text");
        assertThat(code("{\"text\":\"" + "a".repeat(ChatSpec.MAX_TEXT_CHARS + 1) + "\"}")).isEqualTo("text_too_long");
        assertThat(code("{\"text\":\"hi\",\"colour\":1}")).isEqualTo("unknown_field");
        assertThat(code("{\"text\":\"hi\",\"maxTokens\":0}")).isEqualTo("invalid_max_tokens");
        assertThat(code("{\"text\":\"hi\",\"maxTokens\":801}")).isEqualTo("invalid_max_tokens");
        assertThat(code("{\"text\":\"hi\",\"maxTokens\":1.5}")).isEqualTo("invalid_max_tokens");
        assertThat(code("{\"text\":\"hi\",\"temperature\":1.01}")).isEqualTo("invalid_temperature");
        assertThat(code("{\"text\":\"hi\",\"temperature\":-0.1}")).isEqualTo("invalid_temperature");
        assertThat(code("{\"text\":\"hi\",\"temperature\":\"hot\"}")).isEqualTo("invalid_temperature");
        assertThat(code("{\"text\":\"hi\",\"session\":\"../etc\"}")).isEqualTo("invalid_session_id");
        assertThat(code("{\"text\":\"hi\",\"system\":\"" + "a".repeat(ChatSpec.MAX_SYSTEM_CHARS + 1) + "\"}"))
                .isEqualTo("system_too_long");
    }

    @Test
    void checkModel_allowsOnlyTheListedModels() throws Exception {
        spec.checkModel(null);
        spec.checkModel(ChatSettings.DEFAULT_MODEL);
        assertThatThrownBy(() -> spec.checkModel("anthropic.claude-opus"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not allowed");
    }

    @Test
    void settings_readPricesAndRefuseABadTable() {
        ChatSettings settings = ChatSettings.fromEnv(Map.of(Deployment.CHAT_PRICES.name(), "m=1/2/0.5/1.25",
                Deployment.CHAT_MODEL.name(), "m"));
        assertThat(settings.models()).startsWith("m");
        assertThat(settings.price("m").cost(new Usage(1_000_000, 1_000_000, 2_000_000, 0))).isEqualTo(4.0);
        assertThat(settings.price("other")).isEqualTo(ChatSettings.Price.UNKNOWN);
        assertThatThrownBy(() -> ChatSettings.fromEnv(Map.of(Deployment.CHAT_PRICES.name(), "m=1/2")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("EBB_CHAT_PRICES");
    }

    @Test
    void envelope_groupsATenantsSessionTogether_andAJobWithoutOneAlone() {
        JobEnvelope a = new JobEnvelope(1, "j_a", "t1", "chat", null, json("{\"session\":\"s\",\"text\":\"1\"}"));
        JobEnvelope b = new JobEnvelope(1, "j_b", "t1", "chat", null, json("{\"session\":\"s\",\"text\":\"2\"}"));
        JobEnvelope other = new JobEnvelope(1, "j_c", "t2", "chat", null, json("{\"session\":\"s\",\"text\":\"1\"}"));
        JobEnvelope alone = new JobEnvelope(1, "j_d", "t1", "chat", null, json("{\"text\":\"1\"}"));
        assertThat(a.messageGroup()).isEqualTo(b.messageGroup()).isNotEqualTo(other.messageGroup());
        assertThat(alone.messageGroup()).isEqualTo("j_d");
        assertThat(a.context().sessionId()).isEqualTo("s");
    }
}
