package dev.ebb.core.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ArrivalsTest {
    private static final Instant T0 = Instant.parse("2026-12-02T12:00:00Z");

    private static ScalingMetrics at(long seconds) {
        return ScalingMetrics.of(0, 0, 1, 0, T0.plusSeconds(seconds));
    }

    @Test
    void look_atTheFirstLook_knowsNoArrivals() {
        assertThat(new Arrivals(Duration.ofMinutes(2)).look(at(0), 50).arrivalRate()).isEmpty();
    }

    @Test
    void look_countsTheArrivalsOfTheLastWindow_fromTheNewestLookAtLeastAWindowOld() {
        Arrivals arrivals = new Arrivals(Duration.ofMinutes(2));
        arrivals.look(at(0), 0);
        arrivals.look(at(60), 600);
        arrivals.look(at(120), 660);

        ScalingMetrics metrics = arrivals.look(at(180), 720);

        // From the look at 60 s: 120 jobs over 120 s; the burst before it has left the window.
        assertThat(metrics.arrivals()).isEqualTo(120);
        assertThat(metrics.arrivalWindow()).isEqualTo(Duration.ofMinutes(2));
        assertThat(metrics.arrivalRate()).hasValue(1.0);
    }

    @Test
    void look_whenLooksAreFartherApartThanTheWindow_countsSinceThePreviousLook() {
        Arrivals arrivals = new Arrivals(Duration.ofSeconds(30));
        arrivals.look(at(0), 0);

        ScalingMetrics metrics = arrivals.look(at(60), 30);

        assertThat(metrics.arrivals()).isEqualTo(30);
        assertThat(metrics.arrivalWindow()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void look_whenTheCountWentBackwards_knowsNoArrivalsRatherThanANegativeRate() {
        Arrivals arrivals = new Arrivals(Duration.ofMinutes(2));
        arrivals.look(at(0), 100);

        assertThat(arrivals.look(at(60), 10).arrivalRate()).isEmpty();
    }
}
