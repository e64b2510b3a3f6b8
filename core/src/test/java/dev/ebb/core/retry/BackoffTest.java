package dev.ebb.core.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final List<Duration> slept = new ArrayList<>();

    private Backoff backoff(double random) {
        return new Backoff(4, Duration.ofMillis(50), Duration.ofMillis(300), () -> random, slept::add);
    }

    @Test
    void delay_growsExponentiallyUpToTheCap_scaledByTheJitter() {
        Backoff full = backoff(0.999_999);
        assertThat(full.delay(1)).isEqualTo(Duration.ofMillis(49));
        assertThat(full.delay(2)).isEqualTo(Duration.ofMillis(99));
        assertThat(full.delay(3)).isEqualTo(Duration.ofMillis(199));
        assertThat(full.delay(4)).isEqualTo(Duration.ofMillis(299)); // capped at 300
        assertThat(full.delay(40)).isEqualTo(Duration.ofMillis(299));
        assertThat(backoff(0.5).delay(3)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff(0.0).delay(3)).isEqualTo(Duration.ZERO);
    }

    @Test
    void retryLeftovers_whenEntriesFailOnce_retriesOnlyThoseAndSucceeds() {
        List<List<String>> calls = new ArrayList<>();
        List<String> left = backoff(0.5).retryLeftovers(List.of("a", "b", "c"), items -> {
            calls.add(items);
            return calls.size() == 1 ? List.of("b") : List.of();
        });

        assertThat(left).isEmpty();
        assertThat(calls).containsExactly(List.of("a", "b", "c"), List.of("b"));
        assertThat(slept).containsExactly(Duration.ofMillis(25));
    }

    @Test
    void retryLeftovers_whenEntriesKeepFailing_stopsAfterMaxAttemptsAndReturnsThem() {
        List<List<String>> calls = new ArrayList<>();
        List<String> left = backoff(1.0).retryLeftovers(List.of("x"), items -> {
            calls.add(items);
            return items;
        });

        assertThat(left).containsExactly("x");
        assertThat(calls).hasSize(4);
        assertThat(slept).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void retryLeftovers_whenInterrupted_stopsAndKeepsTheInterrupt() {
        Backoff interrupted = new Backoff(4, Duration.ofMillis(50), Duration.ofMillis(300), () -> 0.5,
                d -> { throw new InterruptedException(); });
        List<String> left = interrupted.retryLeftovers(List.of("x"), items -> items);
        assertThat(left).containsExactly("x");
        assertThat(Thread.interrupted()).isTrue();
    }
}
