package dev.ebb.core.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScalingPolicyTest {
    private static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");
    // 0..10 workers, 30 s wait, 2 min cool-down, 60 s start-up, 5 jobs/s per worker, stale after 3 min.
    static final ScalingSettings SETTINGS = new ScalingSettings(0, 10, Duration.ofSeconds(30), Duration.ofMinutes(2),
            Duration.ofSeconds(60), 5.0, Duration.ofMinutes(3), Duration.ofMinutes(1));
    private final ScalingPolicy policy = new ScalingPolicy(SETTINGS);

    @Test
    void decide_whenIdleAtZero_staysAtZero() {
        var decision = policy.decide(ScalingMetrics.of(0, 0, 0, 0, T0), null, T0);

        assertThat(decision.desired()).isZero();
        assertThat(decision.lowSince()).isNull();
    }

    @Test
    void decide_whenOneMessageArrivesAtZero_wakesOneWorkerAtOnce() {
        var decision = policy.decide(ScalingMetrics.of(1, 0, 0, 0, T0), null, T0);

        assertThat(decision.desired()).isEqualTo(1);
        assertThat(decision.reason()).isEqualTo("wake");
    }

    @Test
    void decide_whenAMessageIsInFlightOnly_stillWantsAWorker() {
        assertThat(policy.decide(ScalingMetrics.of(0, 1, 0, 0, T0), null, T0).desired()).isEqualTo(1);
    }

    @Test
    void decide_whenMinIsTwo_keepsTwoWhileIdle() {
        var withMin = new ScalingPolicy(SETTINGS.withWorkers(2, 10));

        assertThat(withMin.decide(ScalingMetrics.of(0, 0, 0, 0, T0), null, T0).desired()).isEqualTo(2);
        assertThat(withMin.decide(ScalingMetrics.of(0, 0, 5, 0, T0), T0.minus(Duration.ofHours(1)), T0).desired())
                .isEqualTo(2);
    }

    @Test
    void decide_whenBurstArrives_sizesForTheBacklogPerWorkerWithinMax() {
        // 5 jobs/s per worker, 30 s window, 60 s start-up: from zero the horizon is 90 s and a new worker serves 30 s
        // of it, so 600 jobs need 600 / (5·30) = 4 workers.
        assertThat(policy.decide(ScalingMetrics.of(600, 0, 0, 0, T0), null, T0).desired()).isEqualTo(4);
        // A huge burst is capped at max.
        assertThat(policy.decide(ScalingMetrics.of(1_000_000, 0, 0, 0, T0), null, T0).desired()).isEqualTo(10);
    }

    @Test
    void decide_whenRunningWorkersDrainTheBacklogBeforeNewOnesCouldStart_addsNone() {
        // Two workers serve 2·5·90 = 900 jobs over the 90 s horizon: a third would start too late to help.
        // (One is idle, so the lane is not saturated.)
        var decision = policy.decide(ScalingMetrics.of(800, 0, 2, 1, T0), null, T0);

        assertThat(decision.desired()).isEqualTo(2);
    }

    @Test
    void decide_whenStartupIsShort_countsOnlyWhatNewWorkersServeAfterIt() {
        var fastStart = new ScalingPolicy(new ScalingSettings(0, 20, Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofSeconds(10), 1.0, Duration.ofMinutes(3), Duration.ofSeconds(10)));
        // 1 running serves 30; 100 − 30 = 70 left for new workers that serve 20 s each → 4 more.
        assertThat(fastStart.decide(ScalingMetrics.of(100, 0, 1, 1, T0), null, T0).desired()).isEqualTo(5);
    }

    @Test
    void decide_whenTheOldestMessageHasWaited_shrinksTheWindowButNotBelowHalf() {
        var noStartup = new ScalingPolicy(new ScalingSettings(0, 100, Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ZERO, 1.0, Duration.ofMinutes(3), Duration.ofSeconds(10)));
        var metrics = ScalingMetrics.of(60, 0, 0, 0, T0);

        assertThat(noStartup.decide(metrics, null, T0).desired()).isEqualTo(2);
        assertThat(noStartup.decide(metrics.withOldestAge(Duration.ofSeconds(10)), null, T0).desired()).isEqualTo(3);
        assertThat(noStartup.decide(metrics.withOldestAge(Duration.ofMinutes(10)), null, T0).desired()).isEqualTo(4);
    }

    @Test
    void decide_whenDemandFalls_holdsUntilTheCoolDownHasPassed() {
        var idle = ScalingMetrics.of(0, 0, 3, 0, T0);

        var first = policy.decide(idle, null, T0);
        assertThat(first.desired()).isEqualTo(3);
        assertThat(first.lowSince()).isEqualTo(T0);

        Instant almost = T0.plus(Duration.ofMinutes(2)).minusSeconds(1);
        var second = policy.decide(ScalingMetrics.of(0, 0, 3, 0, almost), first.lowSince(), almost);
        assertThat(second.desired()).isEqualTo(3);
        assertThat(second.lowSince()).isEqualTo(T0);

        Instant after = T0.plus(Duration.ofMinutes(2));
        var third = policy.decide(ScalingMetrics.of(0, 0, 3, 0, after), second.lowSince(), after);
        assertThat(third.desired()).isZero();
        assertThat(third.reason()).isEqualTo("scale in");
        assertThat(third.lowSince()).isNull();
    }

    @Test
    void decide_whenWorkArrivesDuringTheCoolDown_restartsIt() {
        Instant later = T0.plus(Duration.ofMinutes(1));
        // 200 jobs need both workers again (200 / (5·30) → 2).
        var busyAgain = policy.decide(ScalingMetrics.of(200, 0, 2, 1, later), T0, later);

        assertThat(busyAgain.desired()).isEqualTo(2);
        assertThat(busyAgain.lowSince()).isNull();
    }

    @Test
    void decide_atScaleIn_keepsTheBusyWorkersAndOneSpare() {
        Instant after = T0.plus(Duration.ofHours(1));
        // Nothing waits, but two of four workers still hold jobs (their messages may be deleted already).
        var decision = policy.decide(ScalingMetrics.of(0, 0, 4, 2, after), T0, after);

        assertThat(decision.desired()).isEqualTo(3);
        assertThat(decision.reason()).isEqualTo("scale in");
    }

    @Test
    void decide_atScaleInWhileWorkStillFlows_shedsAQuarterAtATime() {
        Instant after = T0.plus(Duration.ofHours(1));
        // 12 workers, 2 busy, 2 jobs in flight: demand is 1 and busy + 1 is 3, but only 3 (a quarter) go now.
        var decision = policy.decide(ScalingMetrics.of(0, 2, 12, 2, after), T0, after);

        assertThat(decision.desired()).isEqualTo(9);
    }

    @Test
    void decide_whenSaturated_growsByAQuarterEvenIfTheBacklogLooksSmall() {
        // 8 workers all busy, 20 waiting: the backlog alone (28 jobs) needs one worker; the lane is saturated.
        var decision = policy.decide(ScalingMetrics.of(20, 8, 8, 8, T0), null, T0);

        assertThat(decision.desired()).isEqualTo(10);
        assertThat(decision.reason()).isEqualTo("scale out");
    }

    @Test
    void decide_whenSaturatedAtTheFirstLookAfterAScaleOut_addsNoWorkerThatWouldArriveToADrainedQueue() {
        var max50 = new ScalingPolicy(SETTINGS.withWorkers(0, 50));
        // The end of a burst: 32 workers just came up (the previous look asked for them) and took jobs; 9,202 wait.
        // Serving, they finish 32·5·60 = 9,600 jobs within the 60 s a new worker needs to start, so the backlog
        // rule asks for none; the saturation hedge would add 8 that arrive to an empty queue unless arrivals go on.
        var burstEnd = ScalingMetrics.of(9_202, 32, 32, 32, T0);

        var afterScaleOut = max50.decide(burstEnd, null, false, T0);
        assertThat(afterScaleOut.desired()).isEqualTo(32);
        assertThat(afterScaleOut.settled()).isTrue();
        // Had they served since the previous look with every one busy, arrivals would outpace them: a quarter more.
        assertThat(max50.decide(burstEnd, null, true, T0).desired()).isEqualTo(40);
    }

    @Test
    void decide_whenABurstArrivesRightAfterAScaleOut_stillRaisesWorkersWithinMax() {
        // The backlog rule alone, without the saturation hedge, sizes a burst and stops at max.
        assertThat(policy.decide(ScalingMetrics.of(600, 0, 0, 0, T0), null, false, T0).desired()).isEqualTo(4);
        assertThat(policy.decide(ScalingMetrics.of(1_000_000, 4, 4, 4, T0), null, false, T0).desired()).isEqualTo(10);
    }

    @Test
    void decide_isSettledOnlyWhenNothingStartsAndNoneIsAskedFor() {
        assertThat(policy.decide(ScalingMetrics.of(0, 0, 0, 0, T0), null, T0).settled()).as("idle").isTrue();
        assertThat(policy.decide(ScalingMetrics.of(1, 0, 0, 0, T0), null, T0).settled()).as("wake").isFalse();
        assertThat(policy.decide(ScalingMetrics.of(600, 0, 2, 0, T0).withStarting(2), null, T0).settled())
                .as("workers starting").isFalse();
        assertThat(policy.decide(ScalingMetrics.of(10, 0, 2, 1, T0), null, T0).settled()).as("steady").isTrue();
        assertThat(policy.decide(ScalingMetrics.of(0, 0, 3, 0, T0), T0.minus(Duration.ofHours(1)), T0).settled())
                .as("scale in").isTrue();
        Instant later = T0.plus(Duration.ofMinutes(10));
        assertThat(policy.decide(ScalingMetrics.of(0, 0, 4, 0, T0), null, later).settled()).as("stale, held")
                .isTrue();
    }

    @Test
    void decide_whenWorkersAreStillStarting_countsThemAsServingOnlyAfterStartUp() {
        // 600 jobs: two serving workers cover 2·5·90 = 900 over the horizon; two starting ones would not.
        var serving = ScalingMetrics.of(600, 0, 2, 1, T0);
        var starting = ScalingMetrics.of(600, 0, 2, 0, T0).withStarting(2);

        assertThat(policy.decide(serving, null, T0).desired()).isEqualTo(2);
        assertThat(policy.decide(starting, null, T0).desired()).isEqualTo(4);
    }

    @Test
    void decide_whenMaxWasLoweredBelowTheBusyWorkers_keepsTheBusyOnes() {
        var lowered = new ScalingPolicy(SETTINGS.withWorkers(0, 2));
        Instant after = T0.plus(Duration.ofHours(1));

        assertThat(lowered.decide(ScalingMetrics.of(100, 10, 4, 4, after), T0, after).desired()).isEqualTo(4);
    }

    @Test
    void decide_whenMetricsAreStale_neverScalesIn() {
        Instant now = T0.plus(Duration.ofMinutes(10));
        var stale = ScalingMetrics.of(0, 0, 4, 0, T0);

        var decision = policy.decide(stale, T0.minus(Duration.ofHours(1)), now);

        assertThat(decision.desired()).isEqualTo(4);
        assertThat(decision.reason()).contains("stale");
    }

    @Test
    void decide_whenMetricsAreStaleButShowWorkAtZero_stillWakesOne() {
        Instant now = T0.plus(Duration.ofMinutes(10));

        assertThat(policy.decide(ScalingMetrics.of(50_000, 0, 0, 0, T0), null, now).desired()).isEqualTo(1);
    }

    @Test
    void decide_whenStaleMetricsShowABurst_doesNotScaleOutOnThem() {
        Instant now = T0.plus(Duration.ofMinutes(10));

        assertThat(policy.decide(ScalingMetrics.of(50_000, 0, 2, 2, T0), null, now).desired()).isEqualTo(2);
    }

    @Test
    void throughput_whenMeasuredAndFresh_replacesTheSetting() {
        var metrics = ScalingMetrics.of(3000, 0, 0, 0, T0).withThroughput(50.0, T0.minusSeconds(10));

        assertThat(policy.throughput(metrics, T0)).isEqualTo(50.0);
        // 3000 jobs at 50/s per worker over the 30 s a new worker serves: 2 workers, not the 10 the setting gives.
        assertThat(policy.decide(metrics, null, T0).desired()).isEqualTo(2);
    }

    @Test
    void throughput_whenMeasurementIsStaleZeroOrNonsense_fallsBackToTheSetting() {
        var base = ScalingMetrics.of(1, 0, 1, 0, T0);

        assertThat(policy.throughput(base, T0)).isEqualTo(5.0);
        assertThat(policy.throughput(base.withThroughput(50.0, T0.minus(Duration.ofHours(1))), T0)).isEqualTo(5.0);
        assertThat(policy.throughput(base.withThroughput(0.0, T0), T0)).isEqualTo(5.0);
        assertThat(policy.throughput(base.withThroughput(Double.NaN, T0), T0)).isEqualTo(5.0);
        assertThat(policy.throughput(base.withThroughput(Double.POSITIVE_INFINITY, T0), T0)).isEqualTo(5.0);
    }

    @Test
    void decide_whenRecentArrivalsNeedTheRunningWorkers_keepsThemThoughTheBacklogIsEmpty() {
        // 18 jobs/s over the last 2 min at 5 jobs/s a worker and 90 % busy: 4 workers. The backlog alone says 1.
        var metrics = ScalingMetrics.of(0, 1, 4, 1, T0).withArrivals(2_160, Duration.ofMinutes(2));

        var decision = policy.decide(metrics, T0.minus(Duration.ofHours(1)), T0);

        assertThat(decision.desired()).isEqualTo(4);
        assertThat(decision.reason()).isEqualTo("steady (arrivals)");
        assertThat(decision.lowSince()).isNull();
    }

    @Test
    void decide_whenArrivalsAreKnownAndLow_scalesInAtOnceToWhatTheyNeed() {
        // 6 jobs/s: 2 workers. Without arrivals the same look only starts the cool-down.
        var withArrivals = ScalingMetrics.of(0, 0, 8, 0, T0).withArrivals(720, Duration.ofMinutes(2));
        var without = ScalingMetrics.of(0, 0, 8, 0, T0);

        assertThat(policy.decide(withArrivals, null, T0).desired()).isEqualTo(2);
        assertThat(policy.decide(without, null, T0).desired()).isEqualTo(8);
        assertThat(policy.decide(without, null, T0).reason()).isEqualTo("cooling down");
    }

    @Test
    void decide_whenATrickleArrives_keepsOneWorkerAndWhenNoneArrives_goesToZero() {
        var trickle = ScalingMetrics.of(0, 0, 1, 0, T0).withArrivals(3, Duration.ofMinutes(2));
        var none = ScalingMetrics.of(0, 0, 1, 0, T0).withArrivals(0, Duration.ofMinutes(2));

        assertThat(policy.decide(trickle, null, T0).desired()).isEqualTo(1);
        assertThat(policy.decide(none, null, T0).desired()).isZero();
    }

    @Test
    void decide_whenArrivalsAloneWouldNeedMore_doesNotScaleOutOnThem() {
        // 1,000 jobs in the last minute would need 4 workers, but the one worker keeps the queue empty.
        var metrics = ScalingMetrics.of(0, 1, 1, 1, T0).withArrivals(1_000, Duration.ofMinutes(1));

        assertThat(policy.decide(metrics, null, T0).desired()).isEqualTo(1);
    }

    @Test
    void decide_whenArrivalsAreKnown_stillKeepsTheBusyWorkersAndOneSpare() {
        var metrics = ScalingMetrics.of(0, 5, 8, 5, T0).withArrivals(0, Duration.ofMinutes(2));

        assertThat(policy.decide(metrics, null, T0).desired()).isEqualTo(6);
    }
}
