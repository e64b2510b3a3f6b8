package dev.ebb.local;

import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.cli.EbbClient;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Jobs accepted before a stop of the whole local cloud complete after it starts again on the same state. */
class RestartIT {

    @Test
    void queuedJobs_surviveAStopAndStart_andThenComplete() throws Exception {
        Path data = Files.createTempDirectory("ebb-restart-");
        LocalRuntime.Options noWorkers = new LocalRuntime.Options(data, "127.0.0.1", 0, 0, 0, 0, 0, Map.of());
        String key;
        List<String> ids = new ArrayList<>();
        try (LocalRuntime first = LocalRuntime.start(noWorkers)) {
            key = first.keys().create("restart");
            EbbClient client = new EbbClient(first.apiEndpoint(), key);
            for (int i = 0; i < 25; i++) {
                EbbClient.Response accepted = client.submit(PipelineIT.math("What is " + i + " plus 1?", null));
                assertThat(accepted.status()).isEqualTo(202);
                ids.add(accepted.body().path("jobId").asText());
            }
            assertThat(client.get(ids.get(0)).body().path("status").asText()).isEqualTo("QUEUED");
        }

        try (LocalRuntime second = LocalRuntime.start(LocalRuntime.Options.ephemeral(data))) {
            EbbClient client = new EbbClient(second.apiEndpoint(), key); // the key survived too
            for (int i = 0; i < ids.size(); i++) {
                JsonNode job = client.await(ids.get(i), Duration.ofSeconds(60), j -> { }).body();
                assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
                assertThat(job.path("result").path("text").asText()).isEqualTo(i + " plus 1 = " + (i + 1));
                assertThat(job.path("attempts").asInt()).isEqualTo(1);
            }
        }
    }
}
