package dev.ebb.functions;

import static dev.ebb.functions.HandlerFixture.body;
import static dev.ebb.functions.HandlerFixture.submitEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.task.Lane;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The submit function validates embed and classify (contracts from core, no model here) and queues them gpu. */
class SubmitEmbedHandlerTest {
    private HandlerFixture fixture;
    private String key;

    @BeforeEach
    void setUp() {
        fixture = HandlerFixture.create();
        key = fixture.keys.create("acme");
    }

    @Test
    void embedAndClassify_whenValid_areAcceptedOnTheGpuLane() {
        APIGatewayV2HTTPResponse embed = fixture.submitHandler().handleRequest(
                submitEvent(key, "{\"task\":\"embed\",\"input\":\"hello\",\"model\":\"all-minilm-l6-v2-q\"}"), null);
        APIGatewayV2HTTPResponse classify = fixture.submitHandler().handleRequest(submitEvent(key,
                "{\"task\":\"classify\",\"input\":{\"text\":\"I love it\",\"labels\":[\"positive\",\"negative\"]}}"), null);

        assertThat(embed.getStatusCode()).isEqualTo(202);
        assertThat(classify.getStatusCode()).isEqualTo(202);
        assertThat(fixture.queue.sent()).hasSize(2).allSatisfy(sent -> assertThat(sent.lane()).isEqualTo(Lane.GPU));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty text          | {\"task\":\"embed\",\"input\":\"\"}                                             | invalid_input",
            "non-string item     | {\"task\":\"embed\",\"input\":[\"a\",1]}                                        | invalid_input",
            "too many texts      | {\"task\":\"embed\",\"input\":[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]} | too_many_texts",
            "unknown model       | {\"task\":\"embed\",\"input\":\"hi\",\"model\":\"gpt-5\"}                       | unknown_model",
            "labels missing      | {\"task\":\"classify\",\"input\":{\"text\":\"hi\"}}                             | missing_labels",
            "labels duplicated   | {\"task\":\"classify\",\"input\":{\"text\":\"hi\",\"labels\":[\"a\",\"a\"]}}    | duplicate_label",
    })
    void submit_whenBadEmbeddingInput_answers400WithTheCode_andQueuesNothing(String name, String request, String code) {
        APIGatewayV2HTTPResponse response = fixture.submitHandler().handleRequest(submitEvent(key, request), null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).path("error").path("code").asText()).isEqualTo(code);
        assertThat(body(response).path("error").path("message").asText()).isNotBlank();
        assertThat(fixture.queue.sent()).isEmpty();
    }
}
