package dev.ebb.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.Json;
import org.junit.jupiter.api.Test;

class JobEnvelopeTest {

    @Test
    void parse_whenAMessageHasNoInputRef_readsAsBeforeWithTheInputInline() throws Exception {
        JobEnvelope envelope = JobEnvelope.parse(
                "{\"v\":1,\"jobId\":\"j_1\",\"tenant\":\"t\",\"task\":\"math\",\"input\":{\"text\":\"1+1\"}}");

        assertThat(envelope.inputRef()).isNull();
        assertThat(envelope.input().path("text").asText()).isEqualTo("1+1");
    }

    @Test
    void toJson_whenTheInputIsAReference_carriesTheKeyAndNoInput() throws Exception {
        JobEnvelope envelope = new JobEnvelope(1, "j_1", "t", "embed", null, null, "inputs/t/j_1/h.json");

        String json = envelope.toJson();

        assertThat(Json.MAPPER.readTree(json).has("input")).isFalse();
        assertThat(JobEnvelope.parse(json)).isEqualTo(envelope);
    }

    @Test
    void withInput_replacesTheReferenceByTheResolvedInput() {
        JobEnvelope envelope = new JobEnvelope(1, "j_1", "t", "embed", "m", null, "inputs/t/j_1/h.json");

        JobEnvelope resolved = envelope.withInput(Json.MAPPER.createObjectNode().put("k", 1));

        assertThat(resolved.inputRef()).isNull();
        assertThat(resolved.input().path("k").asInt()).isEqualTo(1);
        assertThat(resolved.model()).isEqualTo("m");
    }

    @Test
    void parse_whenTheInputRefIsNotAString_isMalformed() {
        assertThatThrownBy(() -> JobEnvelope.parse(
                "{\"v\":1,\"jobId\":\"j_1\",\"tenant\":\"t\",\"task\":\"math\",\"inputRef\":7}"))
                .isInstanceOf(JobEnvelope.MalformedEnvelopeException.class)
                .hasMessageContaining("inputRef");
    }

    @Test
    void cacheMode_travelsWithTheMessage_andAnOlderNoWriteMessageReadsAsOff() throws Exception {
        JobEnvelope envelope = new JobEnvelope(1, "j_1", "t", "classify", null, Json.MAPPER.createObjectNode());
        for (var mode : dev.ebb.core.api.SubmitRequest.CacheMode.values()) {
            JobEnvelope sent = envelope.withAdmission(mode, 0);
            assertThat(JobEnvelope.parse(sent.toJson()).cacheMode()).as(mode.name()).isEqualTo(mode);
        }
        assertThat(JobEnvelope.parse("{\"v\":1,\"jobId\":\"j_1\",\"tenant\":\"t\",\"task\":\"math\","
                + "\"cache\":false}").cacheMode()).isEqualTo(dev.ebb.core.api.SubmitRequest.CacheMode.OFF);
    }
}
