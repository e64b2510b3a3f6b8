package dev.ebb.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.config.Env;
import dev.ebb.core.config.SettingsException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ECS task scale-in protection, set by the worker itself through the ECS agent's endpoint
 * ({@code PUT $ECS_AGENT_URI/task-protection/v1/state} with {@code {"ProtectionEnabled":true,"ExpiresInMinutes":N}}):
 * on while the worker holds jobs, off when it holds none, so a scale-in never stops a busy task. Protection expires
 * after {@code EBB_PROTECTION_MINUTES} unless renewed (every half of that while the worker stays busy), so a hung
 * worker does not stay forever. The local scaler serves the same endpoint, so this code path runs there too.
 *
 * <p>Without {@code ECS_AGENT_URI} (a worker outside ECS and outside the local scaler) it does nothing.
 */
public final class TaskProtection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TaskProtection.class);
    public static final String AGENT_URI = "ECS_AGENT_URI";
    public static final String PROTECTION_MINUTES = "EBB_PROTECTION_MINUTES";
    static final Duration CHECK_EVERY = Duration.ofMillis(100);

    private final URI state;
    private final int minutes;
    private final HttpClient http;
    private ScheduledExecutorService monitor;
    private volatile boolean enabled;
    private long renewAt;

    TaskProtection(URI agentUri, int minutes) {
        this.state = URI.create(agentUri.toString().replaceAll("/+$", "") + "/task-protection/v1/state");
        this.minutes = minutes;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** From {@code ECS_AGENT_URI} and {@code EBB_PROTECTION_MINUTES} (1 to 2,880, default 10); null without an agent. */
    public static TaskProtection fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        int minutes = env.integer(PROTECTION_MINUTES, 10, 1, 2880);
        String agent = env.string(AGENT_URI, null);
        if (agent == null) {
            return null;
        }
        try {
            return new TaskProtection(URI.create(agent), minutes);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(AGENT_URI + "=" + agent + " is not a URI");
        }
    }

    /**
     * Watches {@code held} (jobs the worker holds) and keeps protection on while it is above zero. Protection is
     * set before the count is seen again, a tenth of a second at most after the worker took the jobs; a scale-in
     * in that window stops the worker with SIGTERM, whose drain gives the jobs back.
     */
    public void watch(IntSupplier held) {
        monitor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("task-protection").daemon()
                .factory());
        monitor.scheduleWithFixedDelay(() -> check(held.getAsInt()), 0, CHECK_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void check(int held) {
        try {
            long now = System.nanoTime();
            if (held > 0 && (!enabled || now - renewAt >= 0)) {
                set(true);
                renewAt = now + TimeUnit.MINUTES.toNanos(minutes) / 2;
            } else if (held == 0 && enabled) {
                set(false);
            }
        } catch (IOException | RuntimeException e) {
            // The next check tries again; meanwhile SIGTERM's drain still loses nothing.
            log.warn("task protection not updated: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads the protection state once at start (logged): the HTTP client's first request loads and links its
     * classes, which would otherwise happen while the first job is being run. It is also the start-up check of
     * {@value #AGENT_URI}: a worker that could not protect itself from scale-in must not take jobs.
     *
     * @throws SettingsException naming {@value #AGENT_URI} when the agent is not reached or does not answer 2xx
     */
    public void prime() {
        int status;
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(state).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            status = response.statusCode();
        } catch (IOException | RuntimeException e) {
            throw new SettingsException(AGENT_URI + ": the task protection endpoint " + state + " was not reached: "
                    + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (status / 100 != 2) {
            throw new SettingsException(AGENT_URI + ": the task protection endpoint " + state + " answered "
                    + status);
        }
        log.info("task protection agent answered {}", status);
    }

    /** One PUT to the agent; true when the agent confirmed the state. */
    boolean set(boolean protect) throws IOException, InterruptedException {
        String body = protect
                ? "{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":" + minutes + "}"
                : "{\"ProtectionEnabled\":false}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(state)
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = Json.MAPPER.readTree(response.body().isEmpty() ? "{}" : response.body());
        if (response.statusCode() / 100 != 2 || !answer.has("protection")) {
            JsonNode problem = answer.has("failure") ? answer.get("failure") : answer.path("error");
            throw new IOException("agent answered " + response.statusCode() + ": "
                    + problem.path("Reason").asText(problem.path("Code").asText("")) + " "
                    + problem.path("Detail").asText(problem.path("Message").asText("")));
        }
        enabled = answer.path("protection").path("ProtectionEnabled").asBoolean(false);
        log.info("task protection {}", enabled ? "on" : "off");
        return enabled == protect;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Stops watching and clears protection (the worker holds nothing once drained). */
    @Override
    public void close() {
        if (monitor != null) {
            monitor.shutdownNow();
            try {
                monitor.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (enabled) {
            check(0);
        }
    }
}
