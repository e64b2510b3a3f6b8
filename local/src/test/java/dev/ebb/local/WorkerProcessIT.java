package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.worker.WorkerMain;
import dev.ebb.worker.WorkerSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                WorkerMain.class.getName())
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        Process worker = builder.start();
        CompletableFuture<Boolean> started = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> { // reads the child's output to its end, so its pipe never fills
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.contains("worker started")) {
                        started.complete(true);
                    }
                }
            } catch (java.io.IOException e) {
                // The child is gone.
            }
            started.complete(false);
        });

        assertThat(started.get(60, TimeUnit.SECONDS)).as("the worker logged its start").isTrue();
        worker.destroy(); // SIGTERM

        assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("the worker stopped").isTrue();
        assertThat(worker.exitValue()).as("exit code after a completed drain").isZero();
    }
}
