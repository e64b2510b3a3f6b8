package dev.ebb.core.metrics;

import dev.ebb.core.cost.JobCost;
import dev.ebb.core.task.Lane;
import java.util.Map;
import java.util.Objects;

/**
 * The job path's metrics by name, so that each place that records one says what happened, not how a metric is
 * spelled: the submit path, the runner, the scalers, and the cache's admission step
 * ({@link #cacheHit}/{@link #cacheMiss} are its hook).
 */
public final class JobMeter {
    public static final JobMeter NONE = new JobMeter(MetricsSink.NONE);

    private final MetricsSink sink;

    public JobMeter(MetricsSink sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    public MetricsSink sink() {
        return sink;
    }

    public void submitted() {
        sink.record(Metric.JOBS_SUBMITTED, 1, Map.of());
    }

    public void accepted(Lane lane, String task, String tenant) {
        sink.record(Metric.JOBS_ACCEPTED, 1, Map.of(Metric.Dimension.LANE, lane.id(), Metric.Dimension.TASK, task,
                Metric.Dimension.TENANT, tenant));
    }

    public void rejected(String code) {
        sink.record(Metric.JOBS_REJECTED, 1, Map.of(Metric.Dimension.CODE, code));
    }

    public void cancelled() {
        sink.record(Metric.JOBS_CANCELLED, 1, Map.of());
    }

    public void cacheHit(String task) {
        sink.record(Metric.CACHE_HITS, 1, Map.of(Metric.Dimension.TASK, task));
    }

    public void cacheMiss(String task) {
        sink.record(Metric.CACHE_MISSES, 1, Map.of(Metric.Dimension.TASK, task));
    }

    /** A batch as claimed: how many jobs, and how long the worker held its first message before the claim. */
    public void batch(Lane lane, int jobs, double waitMillis) {
        sink.record(Metric.BATCH_SIZE, jobs, Map.of(Metric.Dimension.LANE, lane.id()));
        if (waitMillis >= 0) {
            sink.record(Metric.BATCH_WAIT, waitMillis, Map.of(Metric.Dimension.LANE, lane.id()));
        }
    }

    public void modelTime(Lane lane, String task, double millis) {
        sink.record(Metric.MODEL_TIME, millis, Map.of(Metric.Dimension.LANE, lane.id(), Metric.Dimension.TASK, task));
    }

    /**
     * A job that ended in a run: its outcome, times (a negative time is unknown and left out) and cost.
     *
     * @param failureCode null for a success
     */
    public void ended(Lane lane, String task, String tenant, String failureCode, double waitMillis, double runMillis,
                      double endToEndMillis, JobCost cost) {
        Map<String, String> laneTask = Map.of(Metric.Dimension.LANE, lane.id(), Metric.Dimension.TASK, task);
        if (failureCode == null) {
            sink.record(Metric.JOBS_SUCCEEDED, 1, laneTask);
        } else {
            sink.record(Metric.JOBS_FAILED, 1, Map.of(Metric.Dimension.LANE, lane.id(), Metric.Dimension.CODE,
                    failureCode));
        }
        Map<String, String> laneOnly = Map.of(Metric.Dimension.LANE, lane.id());
        if (waitMillis >= 0) {
            sink.record(Metric.QUEUE_WAIT, waitMillis, laneOnly);
        }
        if (runMillis >= 0) {
            sink.record(Metric.RUN_TIME, runMillis, laneTask);
        }
        if (endToEndMillis >= 0) {
            sink.record(Metric.END_TO_END, endToEndMillis, laneTask);
        }
        if (cost != null) {
            sink.record(Metric.JOB_COST, cost.total(), Map.of(Metric.Dimension.LANE, lane.id(),
                    Metric.Dimension.TASK, task, Metric.Dimension.TENANT, tenant));
        }
    }

    /** Workers on a lane as a scaler saw them. */
    public void workers(Lane lane, int running, int busy) {
        sink.record(Metric.WORKERS_RUNNING, running, Map.of(Metric.Dimension.LANE, lane.id()));
        sink.record(Metric.WORKERS_BUSY, busy, Map.of(Metric.Dimension.LANE, lane.id()));
    }
}
