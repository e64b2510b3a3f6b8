package dev.ebb.core.admission;

import dev.ebb.core.task.Lane;
import dev.ebb.core.tenant.TenantStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A lane's backlog and how fast it drains, as this process knows them: the queue's depth ({@link LaneDepth}) and the
 * lane's count of ended jobs (which workers add to per batch, {@link TenantStore#addCompleted}), both read at most
 * once per {@code refresh} (a second) per lane, however many requests ask — never one queue call per request. The
 * drain rate is the count's growth over the samples of the last {@code window}; the ETA is depth ÷ rate.
 */
public final class LaneBacklog {
    /** Where no drain was measured (no worker has ended a job in the window), the ETA of a non-empty lane. */
    public static final Duration UNKNOWN_ETA = Duration.ofMinutes(5);
    private static final Duration MAX_ETA = Duration.ofHours(1);

    private final LaneDepth depths;
    private final TenantStore counters;
    private final long refreshNanos;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final Map<Lane, State> lanes = new EnumMap<>(Lane.class);

    public LaneBacklog(LaneDepth depths, TenantStore counters) {
        this(depths, counters, Duration.ofSeconds(1), Duration.ofSeconds(60), System::nanoTime);
    }

    public LaneBacklog(LaneDepth depths, TenantStore counters, Duration refresh, Duration window,
                       LongSupplier nanoTime) {
        this.depths = depths;
        this.counters = counters;
        this.refreshNanos = refresh.toNanos();
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
    }

    /** What is known of a lane now. */
    public record Snapshot(long depth, double drainPerSecond) {
        /** depth ÷ drain rate, between 1 s and an hour; {@link #UNKNOWN_ETA} where nothing drained. */
        public Duration eta() {
            return drainTime(depth);
        }

        /** How long {@code jobs} of this lane take to drain at the measured rate (same bounds as {@link #eta()}). */
        public Duration drainTime(long jobs) {
            if (jobs <= 0) {
                return Duration.ZERO;
            }
            if (!(drainPerSecond > 0)) {
                return UNKNOWN_ETA;
            }
            long seconds = (long) Math.ceil(jobs / drainPerSecond);
            return Duration.ofSeconds(Math.min(MAX_ETA.toSeconds(), Math.max(1, seconds)));
        }
    }

    public Snapshot snapshot(Lane lane) {
        State state;
        synchronized (lanes) {
            state = lanes.computeIfAbsent(lane, l -> new State());
        }
        synchronized (state) {
            long now = nanoTime.getAsLong();
            if (state.current == null || now - state.readAt >= refreshNanos) {
                long depth = depths.depth(lane);
                long completed = counters.completed(lane);
                state.samples.addLast(new long[]{now, completed});
                while (state.samples.size() > 2 && now - state.samples.peekFirst()[0] > windowNanos) {
                    state.samples.removeFirst();
                }
                long[] first = state.samples.peekFirst();
                double seconds = (now - first[0]) / 1e9;
                double rate = seconds > 0 ? Math.max(0, completed - first[1]) / seconds : 0;
                state.current = new Snapshot(depth, rate);
                state.readAt = now;
            }
            return state.current;
        }
    }

    private static final class State {
        final Deque<long[]> samples = new ArrayDeque<>();
        Snapshot current;
        long readAt;
    }
}
