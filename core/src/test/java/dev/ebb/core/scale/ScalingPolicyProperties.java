package dev.ebb.core.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The policy's invariants over generated settings, metrics and memories. */
class ScalingPolicyProperties {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @Property(tries = 2000)
    void desired_isWithinBoundsAndNeverBelowBusy(@ForAll("settings") ScalingSettings settings,
                                                 @ForAll("metrics") ScalingMetrics metrics,
                                                 @ForAll @IntRange(min = -1, max = 3600) int lowForSeconds,
                                                 @ForAll boolean settled) {
        Instant lowSince = lowForSeconds < 0 ? null : NOW.minusSeconds(lowForSeconds);
        int desired = new ScalingPolicy(settings).decide(metrics, lowSince, settled, NOW).desired();

        assertThat(desired).isGreaterThanOrEqualTo(metrics.busy());
        assertThat(desired).isGreaterThanOrEqualTo(settings.minWorkers());
        if (metrics.busy() <= settings.maxWorkers()) {
            assertThat(desired).isLessThanOrEqualTo(settings.maxWorkers());
        }
        if (metrics.backlog() > 0 && metrics.observedAt().equals(NOW)) {
            assertThat(desired).as("a message wakes a worker").isGreaterThanOrEqualTo(1);
        }
    }

    @Property(tries = 1000)
    void desired_whenNothingWaitsNothingIsBusyAndTheCoolDownPassed_isMin(
            @ForAll("settings") ScalingSettings settings, @ForAll @IntRange(min = 0, max = 500) int running) {
        var metrics = ScalingMetrics.of(0, 0, running, 0, NOW);
        Instant lowSince = NOW.minus(settings.coolDown());

        assertThat(new ScalingPolicy(settings).decide(metrics, lowSince, NOW).desired())
                .isEqualTo(settings.minWorkers());
    }

    @Property(tries = 1000)
    void desired_beforeTheCoolDownPassed_neverFallsBelowRunning(
            @ForAll("settings") ScalingSettings settings, @ForAll("metrics") ScalingMetrics metrics) {
        Assume.that(!settings.coolDown().isZero());
        var policy = new ScalingPolicy(settings);
        var first = policy.decide(metrics, null, NOW);
        int bounded = Math.min(metrics.running(), Math.max(settings.maxWorkers(), metrics.busy()));

        assertThat(first.desired()).isGreaterThanOrEqualTo(bounded);
    }

    @Property(tries = 1000)
    void desired_growsWithTheBacklog(@ForAll("settings") ScalingSettings settings,
                                     @ForAll("metrics") ScalingMetrics metrics,
                                     @ForAll @LongRange(min = 0, max = 100_000) long more,
                                     @ForAll boolean settled) {
        var policy = new ScalingPolicy(settings);
        var bigger = new ScalingMetrics(metrics.visible() + more, metrics.inFlight(), metrics.oldestAge(),
                metrics.running(), metrics.starting(), metrics.busy(), metrics.throughput(), metrics.throughputAt(),
                metrics.observedAt());

        assertThat(policy.decide(bigger, null, settled, NOW).desired())
                .isGreaterThanOrEqualTo(policy.decide(metrics, null, settled, NOW).desired());
    }

    @Property(tries = 1000)
    void desired_afterAnUnsettledLook_isNeverMoreThanAfterASettledOne_norBelowTheBacklogRule(
            @ForAll("settings") ScalingSettings settings, @ForAll("metrics") ScalingMetrics metrics,
            @ForAll @IntRange(min = -1, max = 3600) int lowForSeconds) {
        Instant lowSince = lowForSeconds < 0 ? null : NOW.minusSeconds(lowForSeconds);
        var policy = new ScalingPolicy(settings);
        int unsettled = policy.decide(metrics, lowSince, false, NOW).desired();
        int settled = policy.decide(metrics, lowSince, true, NOW).desired();

        // Only the saturation hedge waits for a settled look; the backlog rule and the bounds hold either way.
        assertThat(unsettled).isLessThanOrEqualTo(settled);
        var notSaturated = new ScalingMetrics(metrics.visible(), metrics.inFlight(), metrics.oldestAge(),
                metrics.running(), metrics.starting(), 0, metrics.throughput(), metrics.throughputAt(),
                metrics.observedAt());
        if (metrics.busy() == 0) {
            assertThat(unsettled).isEqualTo(policy.decide(notSaturated, lowSince, true, NOW).desired());
        }
    }

    @Provide
    Arbitrary<ScalingSettings> settings() {
        Arbitrary<Integer> min = Arbitraries.integers().between(0, 5);
        Arbitrary<Integer> extra = Arbitraries.integers().between(0, 60);
        Arbitrary<Integer> waitSeconds = Arbitraries.integers().between(1, 600);
        Arbitrary<Integer> coolDown = Arbitraries.integers().between(0, 1800);
        Arbitrary<Integer> startup = Arbitraries.integers().between(0, 300);
        Arbitrary<Double> rate = Arbitraries.doubles().between(0.01, 1000);
        return Combinators.combine(min, extra, waitSeconds, coolDown, startup, rate).as((lo, more, wait, cool, up, r) ->
                new ScalingSettings(lo, Math.max(1, lo + more), Duration.ofSeconds(wait), Duration.ofSeconds(cool),
                        Duration.ofSeconds(up), r, Duration.ofMinutes(3), Duration.ofSeconds(10)));
    }

    @Provide
    Arbitrary<ScalingMetrics> metrics() {
        Arbitrary<Long> visible = Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(0, 1_000_000));
        Arbitrary<Long> inFlight = Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(0, 10_000));
        Arbitrary<Integer> running = Arbitraries.integers().between(0, 100);
        Arbitrary<Integer> busyShare = Arbitraries.integers().between(0, 100);
        Arbitrary<Integer> ageSeconds = Arbitraries.integers().between(-1, 3600);
        Arbitrary<Integer> staleSeconds = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 900));
        return Combinators.combine(visible, inFlight, running, busyShare, ageSeconds, staleSeconds)
                .as((v, f, r, share, age, staleFor) -> new ScalingMetrics(v, f,
                        age < 0 ? null : Duration.ofSeconds(age), r, r * (100 - share) / 200, r * share / 200, null, null,
                        NOW.minusSeconds(staleFor)));
    }
}
