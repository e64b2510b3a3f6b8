package dev.ebb.local.simulate;

import dev.ebb.core.scale.Arrivals;
import dev.ebb.core.scale.ScalingMetrics;
import dev.ebb.core.scale.ScalingPolicy;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A discrete-event simulation of one lane: jobs arrive as the trace says and wait in a FIFO queue; each worker
 * runs one job at a time for a service time drawn uniformly from [0.5, 1.5] × the mean; a worker costs money
 * from the moment it is started (start-up included) until it is stopped. A scaling rule looks at the queue and
 * the workers every {@link Rule#interval()} seconds and sets the desired count: new workers serve after the
 * start-up time; surplus workers are stopped only when idle (as ECS task scale-in protection guarantees), the
 * ones still starting first. Deterministic for a given seed.
 */
public final class Simulation {
    /** How a rule sees the lane at one evaluation (what SQS attributes and the ECS service tell a scaler). */
    public record Observation(long visible, long inFlight, int running, int starting, int busy, long arrivedSoFar) {
    }

    /** A scaling rule: evaluated every {@link #interval()} seconds (and on a submit at zero when it wakes). */
    public interface Rule {
        String name();

        /** Seconds between evaluations; 0 or less: never evaluated (fixed capacity). */
        double interval();

        /** Workers running before the first job arrives (they start ready). */
        int initialWorkers();

        /** Whether a job submitted while no worker serves invokes the rule (the submit function's wake). */
        boolean wakesOnSubmit();

        int desired(Observation observation, double now);
    }

    /** The same {@link ScalingPolicy} the scalers apply, with the memory they keep between decisions. */
    public static Rule policy(ScalingPolicy policy) {
        return new Rule() {
            private Instant lowSince;
            private boolean settled = true;
            private final Arrivals arrivals = new Arrivals(policy.settings().coolDown());

            @Override
            public String name() {
                return "ebb policy";
            }

            @Override
            public double interval() {
                return policy.settings().interval().toNanos() / 1e9;
            }

            @Override
            public int initialWorkers() {
                return policy.settings().minWorkers();
            }

            @Override
            public boolean wakesOnSubmit() {
                return true;
            }

            @Override
            public int desired(Observation o, double now) {
                Instant at = Instant.EPOCH.plusNanos((long) (now * 1e9));
                ScalingMetrics metrics = arrivals.look(ScalingMetrics.of(o.visible(), o.inFlight(), o.running(),
                        o.busy(), at).withStarting(o.starting()), o.arrivedSoFar());
                var decision = policy.decide(metrics, lowSince, settled, at);
                lowSince = decision.lowSince();
                settled = decision.settled();
                return decision.desired();
            }
        };
    }

    /** Always-on capacity: {@code workers} for the whole trace. */
    public static Rule alwaysOn(int workers) {
        return new Rule() {
            @Override
            public String name() {
                return "always-on " + workers;
            }

            @Override
            public double interval() {
                return 0;
            }

            @Override
            public int initialWorkers() {
                return workers;
            }

            @Override
            public boolean wakesOnSubmit() {
                return false;
            }

            @Override
            public int desired(Observation o, double now) {
                return workers;
            }
        };
    }

    /**
     * The classic step rule on CloudWatch alarms over one-minute datapoints of the visible depth: add 2 workers
     * when depth &gt; 100 for 2 minutes, remove 1 when depth is 0 for 10 minutes, min 2, max 50. An alarm that
     * stays in alarm acts again every minute.
     */
    public static Rule stepRule() {
        return new Rule() {
            private int highMinutes;
            private int zeroMinutes;
            private int desired = 2;

            @Override
            public String name() {
                return "step rule";
            }

            @Override
            public double interval() {
                return 60;
            }

            @Override
            public int initialWorkers() {
                return 2;
            }

            @Override
            public boolean wakesOnSubmit() {
                return false;
            }

            @Override
            public int desired(Observation o, double now) {
                highMinutes = o.visible() > 100 ? highMinutes + 1 : 0;
                zeroMinutes = o.visible() == 0 ? zeroMinutes + 1 : 0;
                if (highMinutes >= 2) {
                    desired = Math.min(50, desired + 2);
                } else if (zeroMinutes >= 10) {
                    desired = Math.max(2, desired - 1);
                }
                return desired;
            }
        };
    }

    /** The outcome of one run; {@code times}, {@code workers}, {@code depth} sample the lane over time. */
    public record Result(String rule, String trace, int jobs, double workerHours, double cost, double waitP50,
                         double waitP95, double waitP99, int peakWorkers, double[] times, int[] workers,
                         long[] depth, Hours hours) {
        public double costPerThousand() {
            return jobs == 0 ? 0 : cost / jobs * 1000;
        }
    }

    /**
     * Where the worker-hours of a run go: {@code starting} (paid before a worker serves), {@code serving} (running
     * jobs) and {@code idle} (the rest) add up to the run's worker-hours; {@code idleAfterLastJob} is the part of
     * {@code idle} between a worker's last job and its stop (the cool-down's share); {@code neverServed} workers
     * were started and stopped (or left at the end) without running a job.
     */
    public record Hours(int started, int neverServed, double starting, double serving, double idle,
                        double idleAfterLastJob) {
    }

    private final double serviceSeconds;
    private final double startupSeconds;
    private final double pricePerHour;
    private final long seed;

    public Simulation(double serviceSeconds, double startupSeconds, double pricePerHour, long seed) {
        this.serviceSeconds = serviceSeconds;
        this.startupSeconds = startupSeconds;
        this.pricePerHour = pricePerHour;
        this.seed = seed;
    }

    /** How often a submit may wake the scaler while no worker serves (the submit function's rate limit). */
    static final double WAKE_EVERY_SECONDS = 10;
    private static final int READY = 1;
    private static final int DONE = 2;
    private static final int TICK = 3;
    private static final int SAMPLE = 4;

    private record Event(double time, long order, int type, Worker worker) implements Comparable<Event> {
        @Override
        public int compareTo(Event other) {
            int byTime = Double.compare(time, other.time);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }

    private static final class Worker {
        final double started;
        double stopped = Double.NaN;
        double readyAt = Double.NaN;
        double lastDone = Double.NaN;
        double serving;
        boolean ready;
        boolean busy;

        Worker(double started) {
            this.started = started;
        }
    }

    public Result run(Trace trace, Rule rule) {
        return new Run(trace, rule).execute();
    }

    private final class Run {
        private final Trace trace;
        private final Rule rule;
        private final SplittableRandom random = new SplittableRandom(seed);
        private final PriorityQueue<Event> events = new PriorityQueue<>();
        private final ArrayDeque<Double> queue = new ArrayDeque<>();
        private final List<Worker> alive = new ArrayList<>();
        private final List<Worker> all = new ArrayList<>();
        private final ArrayDeque<Worker> idle = new ArrayDeque<>();
        private final double[] waits;
        private int started;
        private int busy;
        private int peak;
        private long order;
        private double lastWake = Double.NEGATIVE_INFINITY;
        private long arrived;
        private final double sampleEvery;
        private final List<double[]> samples = new ArrayList<>();

        Run(Trace trace, Rule rule) {
            this.trace = trace;
            this.rule = rule;
            this.waits = new double[trace.jobs()];
            this.sampleEvery = Math.max(1, trace.duration() / 1500);
        }

        Result execute() {
            for (int i = 0; i < rule.initialWorkers(); i++) {
                Worker worker = new Worker(0);
                worker.ready = true;
                worker.readyAt = 0;
                alive.add(worker);
                all.add(worker);
                idle.add(worker);
            }
            peak = alive.size();
            if (rule.interval() > 0) {
                schedule(rule.interval(), TICK, null);
            }
            schedule(0, SAMPLE, null);
            double[] arrivals = trace.arrivals();
            int next = 0;
            int done = 0;
            double now = 0;
            // Until every job is done and the trace's time is up (the scaler keeps acting until then).
            while (done < arrivals.length || events.peek().time() <= trace.duration()) {
                Event event = events.peek();
                if (next < arrivals.length && (event == null || arrivals[next] <= event.time())) {
                    now = arrivals[next++];
                    arrive(now);
                    if (!idle.isEmpty()) {
                        dispatch(now);
                    }
                    continue;
                }
                events.poll();
                now = event.time();
                switch (event.type()) {
                    case READY -> {
                        Worker worker = event.worker();
                        if (Double.isNaN(worker.stopped)) {
                            worker.ready = true;
                            worker.readyAt = now;
                            idle.add(worker);
                            dispatch(now);
                        }
                    }
                    case DONE -> {
                        done++;
                        Worker worker = event.worker();
                        worker.busy = false;
                        worker.lastDone = now;
                        busy--;
                        idle.addFirst(worker);
                        dispatch(now);
                    }
                    case TICK -> {
                        scale(now);
                        schedule(now + rule.interval(), TICK, null);
                    }
                    case SAMPLE -> {
                        samples.add(new double[] {now, alive.size(), queue.size()});
                        schedule(now + sampleEvery, SAMPLE, null);
                    }
                    default -> throw new IllegalStateException("event " + event.type());
                }
            }
            double end = Math.max(now, trace.duration());
            samples.add(new double[] {end, alive.size(), queue.size()});
            double seconds = 0;
            double starting = 0;
            double serving = 0;
            double afterLastJob = 0;
            int neverServed = 0;
            for (Worker worker : all) {
                double stop = Double.isNaN(worker.stopped) ? end : Math.min(worker.stopped, end);
                seconds += Math.max(0, stop - worker.started);
                starting += Math.max(0, (Double.isNaN(worker.readyAt) ? stop : Math.min(worker.readyAt, stop))
                        - worker.started);
                serving += worker.serving;
                if (Double.isNaN(worker.lastDone)) {
                    neverServed++;
                } else {
                    afterLastJob += Math.max(0, stop - worker.lastDone);
                }
            }
            Hours split = new Hours(all.size(), neverServed, starting / 3600, serving / 3600,
                    (seconds - starting - serving) / 3600, afterLastJob / 3600);
            double[] sorted = waits.clone();
            Arrays.sort(sorted);
            double hours = seconds / 3600;
            double[] times = new double[samples.size()];
            int[] workers = new int[samples.size()];
            long[] depth = new long[samples.size()];
            for (int i = 0; i < samples.size(); i++) {
                times[i] = samples.get(i)[0];
                workers[i] = (int) samples.get(i)[1];
                depth[i] = (long) samples.get(i)[2];
            }
            return new Result(rule.name(), trace.name(), arrivals.length, hours, hours * pricePerHour,
                    percentile(sorted, 0.50), percentile(sorted, 0.95), percentile(sorted, 0.99), peak, times,
                    workers, depth, split);
        }

        private void arrive(double now) {
            queue.addLast(now);
            arrived++;
            // The submit function wakes the scaler while the lane has no worker serving, at most every few seconds.
            if (rule.wakesOnSubmit() && idle.isEmpty() && busy == 0 && now - lastWake >= WAKE_EVERY_SECONDS) {
                lastWake = now;
                scale(now);
            }
        }

        private void dispatch(double now) {
            while (!queue.isEmpty() && !idle.isEmpty()) {
                Worker worker = idle.pollFirst();
                double arrived = queue.pollFirst();
                waits[started++] = now - arrived;
                worker.busy = true;
                busy++;
                double service = serviceSeconds * (0.5 + random.nextDouble());
                worker.serving += service;
                schedule(now + service, DONE, worker);
            }
        }

        private void scale(double now) {
            int desired = rule.desired(new Observation(queue.size(), busy, alive.size(), starting(), busy, arrived),
                    now);
            while (alive.size() < desired) {
                Worker worker = new Worker(now);
                alive.add(worker);
                all.add(worker);
                schedule(now + startupSeconds, READY, worker);
            }
            peak = Math.max(peak, alive.size());
            // Surplus goes only when not busy: workers still starting first, then idle ones.
            for (int i = alive.size() - 1; i >= 0 && alive.size() > desired; i--) {
                Worker worker = alive.get(i);
                if (!worker.ready) {
                    stop(worker, now);
                }
            }
            while (alive.size() > desired && !idle.isEmpty()) {
                stop(idle.pollLast(), now);
            }
        }

        private int starting() {
            int count = 0;
            for (Worker worker : alive) {
                if (!worker.ready) {
                    count++;
                }
            }
            return count;
        }

        private void stop(Worker worker, double now) {
            worker.stopped = now;
            alive.remove(worker);
            idle.remove(worker);
        }

        private void schedule(double time, int type, Worker worker) {
            events.add(new Event(time, order++, type, worker));
        }
    }

    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
