package dev.ebb.local;

import dev.ebb.local.runtime.LocalClients;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.runtime.WorkerProcess;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.worker.WorkerSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worker as its own process, as ECS runs it: SIGTERM makes it drain and exit 0; a second one ends it hard. */
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

    @Test
    void workerProcess_onSecondSigtermDuringTheDrain_stopsHardWithOne() throws Exception {
        LocalClients.useLocalCredentials();
        var cloud = EmbeddedCloud.get();
        Map<String, String> env = new HashMap<>(LocalRuntime.environment(cloud, EmbeddedCloud.resources()));
        // A drain waits for the long polls in flight: 20 s of them, against a deadline of a minute.
        env.put(WorkerSettings.POLL_WAIT_SECONDS, "20");
        env.put(WorkerSettings.DRAIN_SECONDS, "60");
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        try (WorkerProcess worker = WorkerProcess.start("second-sigterm", env, List.of(), line -> { })) {
            assertThat(worker.awaitStarted(Duration.ofSeconds(60))).as("the worker logged its start").isTrue();
            Thread.sleep(500); // the pollers are inside their long polls
            worker.stop(); // SIGTERM: the drain begins and waits for the polls
            assertThat(worker.awaitExit(Duration.ofSeconds(2))).as("still draining").isEmpty();
            worker.stop(); // SIGTERM again: no more waiting

            assertThat(worker.awaitExit(Duration.ofSeconds(15))).as("exit code of a hard stop").hasValue(1);
        }
    }
}
