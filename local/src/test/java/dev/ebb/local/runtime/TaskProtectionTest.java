package dev.ebb.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.worker.TaskProtection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The worker's task protection against the local ECS agent endpoint, over real HTTP. */
class TaskProtectionTest {

    @Test
    void worker_protectsItselfWhileItHoldsJobs_andClearsItWhenIdle() throws Exception {
        try (LocalTaskAgent agent = new LocalTaskAgent(Clock.systemUTC())) {
            URI uri = agent.agentUri("w1");
            TaskProtection protection = TaskProtection.fromEnv(Map.of(TaskProtection.AGENT_URI, uri.toString()));
            AtomicInteger held = new AtomicInteger();
            protection.watch(held::get);
            try {
                Thread.sleep(300);
                assertThat(agent.isProtected("w1")).as("idle: not protected").isFalse();

                held.set(3);
                // The agent records it before the worker has read the agent's answer.
                await(() -> agent.isProtected("w1") && protection.enabled());

                held.set(0);
                await(() -> !agent.isProtected("w1"));
            } finally {
                protection.close();
            }
        }
    }

    @Test
    void protection_expiresAfterItsMinutes_soAHungWorkerIsNotKeptForever() throws Exception {
        MovableClock clock = new MovableClock();
        try (LocalTaskAgent agent = new LocalTaskAgent(clock)) {
            URI state = URI.create(agent.agentUri("w2") + "/task-protection/v1/state");
            HttpResponse<String> response = put(state, "{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":2}");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"ProtectionEnabled\":true", "task/ebb/w2");
            clock.now = clock.now.plus(Duration.ofMinutes(2)).minusSeconds(1);
            assertThat(agent.isProtected("w2")).isTrue();
            clock.now = clock.now.plusSeconds(1);
            assertThat(agent.isProtected("w2")).isFalse();
        }
    }

    @Test
    void agent_refusesABadRequestAsTheEcsAgentDoes() throws Exception {
        try (LocalTaskAgent agent = new LocalTaskAgent(Clock.systemUTC())) {
            URI state = URI.create(agent.agentUri("w3") + "/task-protection/v1/state");

            assertThat(put(state, "{\"ExpiresInMinutes\":5}").statusCode()).isEqualTo(400);
            assertThat(put(state, "{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":0}").body())
                    .contains("InvalidParameterException");
            assertThat(put(URI.create(state.toString().replace("/w3/", "/nobody/")),
                    "{\"ProtectionEnabled\":true}").statusCode()).isEqualTo(404);
            assertThat(agent.isProtected("w3")).isFalse();
        }
    }

    private static HttpResponse<String> put(URI uri, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-23T12:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
