package dev.ebb.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.Json;
import dev.ebb.core.admission.LaneAvailability;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.SubmitRequest;
import dev.ebb.core.config.Settings;
import dev.ebb.core.task.Lane;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The functions' wiring of the llm lane, without a network. */
class ChatLaneTest {
    private static final Map<String, String> WITHOUT_LLM = Map.of("AWS_REGION", "us-east-1",
            Settings.GPU_QUEUE_URL, "http://127.0.0.1:1/q/gpu", Settings.CPU_QUEUE_URL, "http://127.0.0.1:1/q/cpu");

    @Test
    void aFunctionNotToldTheLlmQueue_refusesChatAtSubmit_beforeTouchingAnything() {
        DependencyFactory factory = new DependencyFactory(WITHOUT_LLM);
        assertThat(factory.laneAvailability().unavailable()).containsExactly(Lane.LLM);

        assertThatThrownBy(() -> factory.jobService().submit(SubmitRequest.of("t", "chat",
                Json.MAPPER.createObjectNode().put("text", "hi"), null, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("lane_unavailable");
                });
    }

    @Test
    void aFunctionToldTheLlmQueue_runsTheLane_andItsBedrockClientIsOnHttp11() {
        DependencyFactory factory = new DependencyFactory(Map.of("AWS_REGION", "us-east-1",
                Settings.GPU_QUEUE_URL, "g", Settings.CPU_QUEUE_URL, "c", Settings.LLM_QUEUE_URL, "l.fifo",
                LaneAvailability.UNAVAILABLE_LANES, "gpu"));
        assertThat(factory.laneAvailability().unavailable()).containsExactly(Lane.GPU);
        assertThat(factory.llmTasks().runnable("chat")).isPresent();
    }
}
