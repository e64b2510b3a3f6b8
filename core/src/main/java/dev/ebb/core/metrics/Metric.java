package dev.ebb.core.metrics;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every metric Ebb emits, in one list: its CloudWatch name, unit and dimension sets, in namespace {@link #NAMESPACE}.
 * The functions (Powertools), the gpu workers (EMF lines on stdout), the local dashboard and the CDK dashboard and
 * alarms all take their names from here; a test holds the CDK stack to exactly this list.
 *
 * <p>Plain values only (no SDK or Jackson types), so that the CDK app can read it as it reads {@code Deployment}.
 *
 * <p>Dimensions are few on purpose: every distinct combination of dimension values is a custom metric that CloudWatch
 * bills monthly. Lane, task and code come from fixed sets; a tenant dimension is kept to the two metrics where a
 * tenant matters (accepted jobs and their cost), as a separate dimension set. Where a metric is broken down by task or
 * code it also has a set of its lane alone (or none, {@code []}), whose values are known when the stack is built: that
 * is what alarms and the CDK dashboard's fixed charts use.
 */
public enum Metric {
    /** A {@code POST /v1/jobs} or an upload reached the service (before admission). */
    JOBS_SUBMITTED("JobsSubmitted", Unit.COUNT, set()),
    /** Stored and queued (202). */
    JOBS_ACCEPTED("JobsAccepted", Unit.COUNT, set(Dimension.LANE, Dimension.TASK), set(Dimension.LANE),
            set(Dimension.TENANT)),
    /** Refused by an admission step, by its error code. */
    JOBS_REJECTED("JobsRejected", Unit.COUNT, set(Dimension.CODE), set()),
    JOBS_SUCCEEDED("JobsSucceeded", Unit.COUNT, set(Dimension.LANE, Dimension.TASK), set(Dimension.LANE)),
    /** Ended FAILED, by error code. */
    JOBS_FAILED("JobsFailed", Unit.COUNT, set(Dimension.LANE, Dimension.CODE), set(Dimension.LANE)),
    JOBS_CANCELLED("JobsCancelled", Unit.COUNT, set()),
    /** From the job's creation to the claim of the run that ended it. */
    QUEUE_WAIT("QueueWaitMs", Unit.MILLISECONDS, set(Dimension.LANE)),
    /** From the claim to the completion. */
    RUN_TIME("RunMs", Unit.MILLISECONDS, set(Dimension.LANE, Dimension.TASK), set(Dimension.LANE)),
    /** From the job's creation to its completion. */
    END_TO_END("EndToEndMs", Unit.MILLISECONDS, set(Dimension.LANE, Dimension.TASK), set(Dimension.LANE)),
    /** Jobs in a batch as the runner claimed it. */
    BATCH_SIZE("BatchSize", Unit.COUNT, set(Dimension.LANE)),
    /** How long a gpu worker's batch waited for its first message to be joined by others. */
    BATCH_WAIT("BatchWaitMs", Unit.MILLISECONDS, set(Dimension.LANE)),
    /** Time in the task (the model) for one batch of one task. */
    MODEL_TIME("ModelMsPerBatch", Unit.MILLISECONDS, set(Dimension.LANE, Dimension.TASK), set(Dimension.LANE)),
    /** A request answered from a cache without a run (hook for the cache's admission step). */
    CACHE_HITS("CacheHits", Unit.COUNT, set(Dimension.TASK), set()),
    CACHE_MISSES("CacheMisses", Unit.COUNT, set(Dimension.TASK), set()),
    /** Workers that exist on a lane, as the scaler saw them. */
    WORKERS_RUNNING("WorkersRunning", Unit.COUNT, set(Dimension.LANE)),
    /** Of those, workers that hold jobs. */
    WORKERS_BUSY("WorkersBusy", Unit.COUNT, set(Dimension.LANE)),
    /** What a finished job cost, in US dollars at the list prices of {@code dev.ebb.core.cost.Prices}. */
    JOB_COST("JobCostUsd", Unit.NONE, set(Dimension.LANE, Dimension.TASK), set(Dimension.LANE),
            set(Dimension.TENANT));

    public static final String NAMESPACE = "Ebb";

    /** The dimension names. */
    public static final class Dimension {
        public static final String LANE = "Lane";
        public static final String TASK = "Task";
        public static final String TENANT = "Tenant";
        public static final String CODE = "Code";

        private Dimension() {
        }
    }

    /** CloudWatch's unit names. */
    public enum Unit {
        COUNT("Count"), MILLISECONDS("Milliseconds"), NONE("None");

        private final String cloudWatchName;

        Unit(String cloudWatchName) {
            this.cloudWatchName = cloudWatchName;
        }

        public String cloudWatchName() {
            return cloudWatchName;
        }
    }

    private final String metricName;
    private final Unit unit;
    private final List<List<String>> dimensionSets;

    Metric(String metricName, Unit unit, List<?>... dimensionSets) {
        this.metricName = metricName;
        this.unit = unit;
        @SuppressWarnings("unchecked")
        List<List<String>> sets = Arrays.stream(dimensionSets).map(set -> List.copyOf((List<String>) set)).toList();
        this.dimensionSets = sets;
    }

    private static List<String> set(String... names) {
        return List.of(names);
    }

    /** The CloudWatch metric name. */
    public String metricName() {
        return metricName;
    }

    public Unit unit() {
        return unit;
    }

    /** EMF's dimension sets: each is one metric in CloudWatch per combination of its values. */
    public List<List<String>> dimensionSets() {
        return dimensionSets;
    }

    /** Every dimension any set names: the values a data point must carry. */
    public Set<String> dimensions() {
        Set<String> all = new LinkedHashSet<>();
        dimensionSets.forEach(all::addAll);
        return all;
    }

    /** Every metric name, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Metric::metricName).toList();
    }
}
