package dev.ebb.core.scale;

import java.time.Duration;
import java.time.Instant;

/**
 * How many workers a lane should have. Pure and deterministic: the same metrics, memory and time give the same
 * answer, so the local scaler, the AWS scaler function and the simulator apply this one class.
 *
 * <p>The rules, in order:
 * <ol>
 * <li><b>Throughput</b> {@code r} of one worker: the measurement when there is a fresh, positive one, else
 *     {@link ScalingSettings#jobsPerSecond()}.</li>
 * <li><b>Window</b> {@code w}: the acceptable wait, less what the oldest message has already waited (but at least
 *     half of it), so a lane that is behind catches up.</li>
 * <li><b>Backlog per worker</b>: with {@code B} = visible + in flight, {@code ceil(B / (r·w))} workers finish the
 *     backlog within the window. When that is more than the {@code R} workers there are, the extra ones only help
 *     after their start-up {@code s}: the running ones serve for the horizon {@code h} ({@code w}, or
 *     {@code s + w} when start-up is longer than the window, because nothing then meets the window), the new ones
 *     for {@code h − s} (so do those still starting), and the count is
 *     {@code R + ceil((B − R·r·h) / (r·(h − s)))}.</li>
 * <li><b>Saturation</b>: messages waiting while every worker is busy means arrivals outpace the lane, whatever
 *     the backlog: at least a quarter more workers (one at least). That is evidence only about workers that have
 *     served since the previous look: it counts only when the previous decision was <i>settled</i> (no worker
 *     was starting and none was asked for). Right after a scale-out the new workers find the backlog that was
 *     built before them, every one of them busy; whether they keep up shows at the next look. (Workers still
 *     starting are not busy either, so it does not fire before they serve.)</li>
 * <li><b>Wake</b>: any message at all asks for at least one worker — no threshold to wait for.</li>
 * <li><b>Bounds</b>: within [min, max], and never below the busy workers.</li>
 * <li><b>Scale-out</b> takes effect at once. <b>Scale-in</b> only once demand has stayed below the running count
 *     for the whole cool-down ({@code lowSince}, like {@code settled}, is memory the caller keeps between calls),
 *     and then to the demand of that moment, never below the busy workers plus one (so a steady flow keeps a
 *     spare); while work still flows, by at most a quarter per decision (a snapshot of busy workers is noisy). An
 *     idle lane goes straight to min.</li>
 * <li><b>Arrivals</b> (where the caller knows how many jobs arrived since its previous look): the workers that
 *     rate needs at {@link #FLOW_UTILISATION} are a floor for scale-in. While they are at least the running
 *     count, no scale-in happens; a scale-in never goes below them. A trickle of jobs so keeps one worker, and a
 *     busy lane whose backlog happens to be empty at the look keeps the workers its arrivals need. They never scale
 *     out on their own: the backlog rules do that. And they replace the cool-down's guess: with arrivals known,
 *     scale-in needs no cool-down and is not limited to a quarter a look (measured on the simulator's traces,
 *     seeds 1–5, in docs/scaling.md).</li>
 * <li><b>Stale metrics</b> (older than {@link ScalingSettings#staleAfter()}) never scale in; they may only wake
 *     a lane that has no worker and a backlog.</li>
 * </ol>
 */
public final class ScalingPolicy {
    /** How much a saturated lane (messages waiting, every worker busy) grows per decision, at least one worker. */
    static final double SATURATED_GROWTH = 1.25;
    /**
     * How busy the workers that the recent arrivals need may be: at 0.9 a worker has a tenth of its time spare, so
     * a steady flow does not queue up (measured on the simulator's traces at 0.8, 0.9 and 0.95, seeds 1–5: see
     * docs/scaling.md).
     */
    static final double FLOW_UTILISATION = 0.9;

    private final ScalingSettings settings;

    public ScalingPolicy(ScalingSettings settings) {
        this.settings = settings;
    }

    /**
     * @param desired  the worker count to set
     * @param lowSince when demand first fell below the running workers and has stayed there since; the caller keeps
     *                 it and passes it to the next {@link #decide} (null: not low)
     * @param settled  no worker was starting and no more were asked for at this look, so the next look may read a
     *                 saturated lane as arrivals outpacing it; the caller keeps it and passes it to the next
     *                 {@link #decide}
     * @param reason   a short word for logs and the simulator's trace
     */
    public record Decision(int desired, Instant lowSince, boolean settled, String reason) {
    }

    public ScalingSettings settings() {
        return settings;
    }

    /**
     * The decision for {@code metrics} at {@code now}, given the previous decision's memory: its {@code lowSince}
     * and whether it was {@link Decision#settled() settled} (true before the first decision).
     */
    public Decision decide(ScalingMetrics metrics, Instant lowSince, boolean settled, Instant now) {
        Decision decision = rules(metrics, lowSince, settled, now);
        // Settled: nothing starting and nothing asked for, so the workers now running serve until the next look.
        return new Decision(decision.desired(), decision.lowSince(),
                metrics.starting() == 0 && decision.desired() <= metrics.running(), decision.reason());
    }

    /** The decision when the previous one was settled (or there was none): the memory of the cool-down only. */
    public Decision decide(ScalingMetrics metrics, Instant lowSince, Instant now) {
        return decide(metrics, lowSince, true, now);
    }

    /** The rules of the class comment; {@code settled} of the result is filled in by {@link #decide}. */
    private Decision rules(ScalingMetrics metrics, Instant lowSince, boolean settled, Instant now) {
        int running = metrics.running();
        int busy = metrics.busy();
        boolean stale = Duration.between(metrics.observedAt(), now).compareTo(settings.staleAfter()) > 0;
        int demand = bounded(demand(metrics, settled, now), busy);
        if (stale) {
            int hold = bounded(running, busy);
            if (running == 0 && metrics.backlog() > 0) {
                return new Decision(Math.max(hold, bounded(1, busy)), null, false, "wake (stale metrics)");
            }
            return new Decision(hold, lowSince, false, "hold (stale metrics)");
        }
        if (demand > running) {
            return new Decision(demand, null, false, running == 0 ? "wake" : "scale out");
        }
        if (demand == running) {
            return new Decision(running, null, false, "steady");
        }
        // The recent arrivals still need every running worker: no cool-down starts, whatever the backlog says.
        int flow = bounded(flow(metrics, now), busy);
        if (flow >= running) {
            return new Decision(running, null, false, "steady (arrivals)");
        }
        Instant low = lowSince == null || lowSince.isAfter(now) ? now : lowSince;
        // Measured arrivals are the floor the cool-down only guessed at: with them, scale-in needs no wait.
        boolean arrivalsKnown = metrics.arrivals() != null;
        Duration coolDown = arrivalsKnown ? Duration.ZERO : settings.coolDown();
        if (Duration.between(low, now).compareTo(coolDown) >= 0) {
            // One spare over the busy workers, so a lane in a steady flow is not cut to saturation.
            int headroom = Math.min(running, busy == 0 ? 0 : busy + 1);
            int target = Math.max(demand, bounded(headroom, busy));
            // Never below what the recent arrival rate keeps busy.
            target = Math.max(target, flow);
            if ((metrics.backlog() > 0 || busy > 0) && !arrivalsKnown) {
                // Work still flows: a snapshot of busy workers is noisy, so shed at most a quarter at a time.
                target = Math.max(target, bounded(running - Math.max(1, running / 4), busy));
            }
            return target < running ? new Decision(target, null, false, "scale in")
                    : new Decision(running, null, false, "steady");
        }
        // Held at the running count, except above max (max was lowered): that excess goes at once.
        return new Decision(bounded(running, busy), low, false, "cooling down");
    }

    /**
     * Workers the backlog needs, before bounds (see the class comment); {@code settled}: the previous decision was
     * settled, so a saturated lane is read as arrivals outpacing it.
     */
    int demand(ScalingMetrics metrics, boolean settled, Instant now) {
        long backlog = metrics.backlog();
        if (backlog == 0) {
            return 0;
        }
        double rate = throughput(metrics, now);
        double wait = seconds(settings.targetWait());
        double window = wait;
        if (metrics.oldestAge() != null) {
            window = Math.max(wait - seconds(metrics.oldestAge()), wait / 2);
        }
        int running = metrics.running();
        // Saturated: messages wait while every worker is busy, so arrivals outpace the lane; grow by a quarter. Only
        // when these workers have served since the previous look: just after a scale-out they are all busy with
        // the backlog that was there before them, which the backlog rule below already sized them for.
        long saturated = settled && metrics.visible() > running && running > 0 && metrics.busy() >= running
                ? Math.max(running + 1L, ceil(running * SATURATED_GROWTH)) : 0;
        long plain = Math.max(saturated, ceil(backlog / (rate * window)));
        if (plain <= running) {
            return (int) Math.max(1, plain);
        }
        double startup = seconds(settings.startup());
        double horizon = window > startup ? window : startup + window;
        // Workers still starting count like new ones: they serve only after their start-up.
        int serving = running - metrics.starting();
        double left = backlog - serving * rate * horizon - metrics.starting() * rate * (horizon - startup);
        long extra = left <= 0 ? 0 : ceil(left / (rate * (horizon - startup)));
        return (int) Math.min(Integer.MAX_VALUE, Math.max(saturated, Math.max(1, running + extra)));
    }

    /**
     * Workers the recent arrival rate keeps busy at {@link #FLOW_UTILISATION} (0 where arrivals are not known): a
     * floor for scale-in, never a reason to scale out (the backlog rules do that).
     */
    int flow(ScalingMetrics metrics, Instant now) {
        return metrics.arrivalRate().map(rate -> (int) Math.min(Integer.MAX_VALUE,
                ceil(rate / throughput(metrics, now) / FLOW_UTILISATION))).orElse(0);
    }

    /** The measured throughput when fresh and positive, else the setting. */
    double throughput(ScalingMetrics metrics, Instant now) {
        Double measured = metrics.throughput();
        if (measured != null && measured > 0 && !measured.isInfinite()
                && Duration.between(metrics.throughputAt(), now).compareTo(settings.staleAfter()) <= 0) {
            return measured;
        }
        return settings.jobsPerSecond();
    }

    private int bounded(long workers, int busy) {
        long clamped = Math.min(settings.maxWorkers(), Math.max(settings.minWorkers(), workers));
        // Busy workers are never asked to stop, even where max was lowered below them.
        return (int) Math.max(clamped, busy);
    }

    private static long ceil(double value) {
        return value >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(value - 1e-9);
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
