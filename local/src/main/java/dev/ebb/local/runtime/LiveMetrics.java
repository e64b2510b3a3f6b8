package dev.ebb.local.runtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.metrics.EmfFormat;
import dev.ebb.core.metrics.Metric;
import dev.ebb.core.metrics.MetricsSink;
import java.time.Clock;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The local dashboard's numbers: the same metrics the deployables emit (recorded in process by the gateway's handlers
 * and the cpu lane, read back from the EMF lines the gpu worker processes write), kept for the last minutes in memory.
 * Totals since start, a per-second series of the last {@link #SECONDS} seconds, recent values for percentiles, the
 * latest workers gauge.
 */
public final class LiveMetrics implements MetricsSink {
    /** Seconds of per-second history. */
    static final int SECONDS = 120;
    /** Recent values kept per timing metric, for its percentiles. */
    static final int RECENT = 4096;

    private final Clock clock;
    private final Map<Metric, Double> totals = new EnumMap<>(Metric.class);
    private final Map<Metric, Recent> recent = new EnumMap<>(Metric.class);
    /** Per second: accepted, succeeded, failed, rejected (index by second % SECONDS). */
    private final long[][] perSecond = new long[4][SECONDS];
    private final long[] secondOf = new long[SECONDS];
    private final Map<String, double[]> workers = new java.util.TreeMap<>();

    public LiveMetrics(Clock clock) {
        this.clock = clock;
        for (Metric m : new Metric[] {Metric.QUEUE_WAIT, Metric.RUN_TIME, Metric.END_TO_END, Metric.JOB_COST,
                Metric.BATCH_SIZE, Metric.BATCH_WAIT, Metric.MODEL_TIME}) {
            recent.put(m, new Recent());
        }
    }

    @Override
    public synchronized void record(Metric metric, double value, Map<String, String> dimensions) {
        totals.merge(metric, value, Double::sum);
        Recent values = recent.get(metric);
        if (values != null) {
            values.add(value);
        }
        int series = switch (metric) {
            case JOBS_ACCEPTED -> 0;
            case JOBS_SUCCEEDED -> 1;
            case JOBS_FAILED -> 2;
            case JOBS_REJECTED -> 3;
            default -> -1;
        };
        if (series >= 0) {
            long second = clock.millis() / 1000;
            int slot = (int) (second % SECONDS);
            if (secondOf[slot] != second) {
                secondOf[slot] = second;
                for (long[] row : perSecond) {
                    row[slot] = 0;
                }
            }
            perSecond[series][slot] += (long) value;
        }
        if (metric == Metric.WORKERS_RUNNING || metric == Metric.WORKERS_BUSY) {
            String lane = dimensions.getOrDefault(Metric.Dimension.LANE, "gpu");
            workers.computeIfAbsent(lane, l -> new double[2])[metric == Metric.WORKERS_RUNNING ? 0 : 1] = value;
        }
    }

    /** Records the Ebb metrics of an EMF line (a gpu worker process's stdout); other lines are ignored. */
    public void acceptLine(String line) {
        for (EmfFormat.Parsed parsed : EmfFormat.parse(line)) {
            for (double value : parsed.values()) {
                record(parsed.metric(), value, parsed.dimensions());
            }
        }
    }

    /** The numbers the dashboard shows, as JSON (queue depths are added by the caller, which reads the queues). */
    public synchronized ObjectNode snapshot() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        long nowMillis = clock.millis();
        root.put("at", nowMillis);
        ObjectNode counts = root.putObject("totals");
        for (Metric metric : new Metric[] {Metric.JOBS_SUBMITTED, Metric.JOBS_ACCEPTED, Metric.JOBS_REJECTED,
                Metric.JOBS_SUCCEEDED, Metric.JOBS_FAILED, Metric.JOBS_CANCELLED, Metric.CACHE_HITS,
                Metric.CACHE_MISSES}) {
            counts.put(metric.metricName(), Math.round(totals.getOrDefault(metric, 0.0)));
        }
        ObjectNode laneWorkers = root.putObject("workers");
        workers.forEach((lane, gauge) -> laneWorkers.putObject(lane).put("running", (int) gauge[0])
                .put("busy", (int) gauge[1]));

        long second = nowMillis / 1000;
        ArrayNode seconds = root.putArray("seconds");
        String[] names = {"accepted", "succeeded", "failed", "rejected"};
        long endedLast10 = 0;
        for (long s = second - 59; s <= second; s++) {
            int slot = (int) (s % SECONDS);
            ObjectNode point = seconds.addObject().put("t", s);
            for (int k = 0; k < names.length; k++) {
                point.put(names[k], secondOf[slot] == s ? perSecond[k][slot] : 0);
            }
            if (s > second - 10 && secondOf[slot] == s) {
                endedLast10 += perSecond[1][slot] + perSecond[2][slot];
            }
        }
        root.put("jobsPerSecond", endedLast10 / 10.0);
        percentiles(root, "waitMs", Metric.QUEUE_WAIT);
        percentiles(root, "runMs", Metric.RUN_TIME);
        percentiles(root, "endToEndMs", Metric.END_TO_END);
        percentiles(root, "batchSize", Metric.BATCH_SIZE);
        percentiles(root, "batchWaitMs", Metric.BATCH_WAIT);
        percentiles(root, "modelMsPerBatch", Metric.MODEL_TIME);
        double hits = totals.getOrDefault(Metric.CACHE_HITS, 0.0);
        double misses = totals.getOrDefault(Metric.CACHE_MISSES, 0.0);
        if (hits + misses > 0) {
            root.put("cacheHitRate", hits / (hits + misses));
        } else {
            root.putNull("cacheHitRate");
        }
        Recent costs = recent.get(Metric.JOB_COST);
        if (costs.size() > 0) {
            root.put("costPer1000Jobs", costs.mean() * 1000);
        } else {
            root.putNull("costPer1000Jobs");
        }
        return root;
    }

    private void percentiles(ObjectNode root, String name, Metric metric) {
        Recent values = recent.get(metric);
        ObjectNode node = root.putObject(name);
        node.put("count", values.size());
        if (values.size() == 0) {
            return;
        }
        double[] sorted = values.sorted();
        node.put("p50", at(sorted, 0.50)).put("p95", at(sorted, 0.95)).put("p99", at(sorted, 0.99))
                .put("mean", values.mean());
    }

    private static double at(double[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** The last {@link #RECENT} values of one metric. */
    private static final class Recent {
        private final double[] ring = new double[RECENT];
        private int count;
        private int next;

        void add(double value) {
            ring[next] = value;
            next = (next + 1) % RECENT;
            count = Math.min(RECENT, count + 1);
        }

        int size() {
            return count;
        }

        double[] sorted() {
            double[] values = Arrays.copyOf(count == RECENT ? ring : Arrays.copyOf(ring, count), count);
            Arrays.sort(values);
            return values;
        }

        double mean() {
            double sum = 0;
            for (int i = 0; i < count; i++) {
                sum += ring[i];
            }
            return count == 0 ? 0 : sum / count;
        }
    }
}
