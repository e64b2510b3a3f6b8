package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.worker.WorkerSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worker as its own process, as ECS runs it: SIGTERM makes it drain and exit 0. */
class WorkerProcessIT {

    @Test
    void workerProcess_onSigterm_drainsAndExitsZero() throws Exception {
        LocalClients.useLocalCredentials();
        var cloud = EmbeddedCloud.get();
        Map<String, String> env = new HashMap<>(LocalRuntime.environment(cloud, EmbeddedCloud.resources()));
        env.put(WorkerSettings.POLL_WAIT_SECONDS, "1");
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        try (WorkerProcess worker = WorkerProcess.start("sigterm", env, List.of(), line -> { })) {
            assertThat(worker.awaitStarted(Duration.ofSeconds(60))).as("the worker logged its start").isTrue();
            worker.stop(); // SIGTERM

            assertThat(worker.awaitExit(Duration.ofSeconds(60))).as("exit code after a completed drain")
                    .hasValue(0);
        }
    }
}
