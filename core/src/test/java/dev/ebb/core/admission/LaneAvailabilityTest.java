package dev.ebb.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.Limits;
import dev.ebb.core.api.SubmitRequest;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.store.SentEnvelopes;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.TaskCatalogue;
import dev.ebb.core.testing.TestDynamoDb;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** A deployment without gpu workers refuses gpu-lane jobs at submit instead of queueing them for nobody. */
class LaneAvailabilityTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-lanes";

    private final DynamoDbJobStore jobs = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    private final SentEnvelopes queue = new SentEnvelopes();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void submit_whenTheGpuLaneIsUnavailable_refusesEmbedWith400AndStoresAndQueuesNothing() {
        JobService service = service(Map.of(LaneAvailability.UNAVAILABLE_LANES, "gpu"));
        ObjectNode input = Json.MAPPER.createObjectNode();
        input.putArray("texts").add("hello");

        assertThatThrownBy(() -> service.submit(SubmitRequest.of("acme", "embed", input, null, "k1")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("lane_unavailable");
                    assertThat(e.getMessage()).contains("embed", "gpu");
                });
        assertThat(queue.sent).isEmpty();

        // The cpu lane still works.
        ObjectNode math = Json.MAPPER.createObjectNode().put("text", "What is 1 plus 1?");
        assertThat(service.submit(SubmitRequest.of("acme", "math", math, null, "k2")).how())
                .isEqualTo(JobService.How.ACCEPTED);
        assertThat(queue.sent).hasSize(1);
    }

    @Test
    void submit_whenNoLaneIsUnavailable_queuesEmbed() {
        JobService service = service(Map.of(LaneAvailability.UNAVAILABLE_LANES, ""));
        ObjectNode input = Json.MAPPER.createObjectNode();
        input.putArray("texts").add("hello");

        assertThat(service.submit(SubmitRequest.of("acme", "embed", input, null, "k1")).how())
                .isEqualTo(JobService.How.ACCEPTED);
        assertThat(queue.sent).hasSize(1);
    }

    @Test
    void fromEnv_readsLaneIds_andNamesTheVariableOnNonsense() {
        assertThat(LaneAvailability.fromEnv(Map.of()).unavailable()).isEmpty();
        assertThat(LaneAvailability.fromEnv(Map.of(LaneAvailability.UNAVAILABLE_LANES, " gpu , cpu")).unavailable())
                .containsExactlyInAnyOrder(Lane.GPU, Lane.CPU);
        assertThatThrownBy(() -> LaneAvailability.fromEnv(Map.of(LaneAvailability.UNAVAILABLE_LANES, "tpu")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("EBB_UNAVAILABLE_LANES");
    }

    private JobService service(Map<String, String> env) {
        return JobService.builder().store(jobs).queue(queue).tasks(TaskCatalogue.contracts(Map.of())).limits(Limits.DEFAULTS)
                .step(LaneAvailability.fromEnv(env)).build();
    }
}
