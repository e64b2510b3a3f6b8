package dev.ebb.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * Alarms and one dashboard. Per lane: the oldest message's age (warning at {@link Props#ageWarning()}, critical at
 * {@link Props#ageCritical()}), queue depth over {@link Props#depthLimit()}, any message at all in its DLQ, a failure
 * rate of {@value #FAILURE_RATE_PERCENT} % or more, and p99 end-to-end time over {@link Props#ageCritical()}. The
 * dashboard shows queue depth, workers, jobs, wait and end-to-end percentiles, run and model time, batches, the cache
 * hit rate and the cost per 1,000 jobs.
 *
 * <p>Ebb's own metrics are those of core's {@code dev.ebb.core.metrics.Metric}, the one list the code emits (as EMF,
 * namespace {@value #NAMESPACE}); {@code EbbStackTest} holds the dashboard and alarms to exactly that list.
 */
public final class Observability extends Construct {
    public static final String NAMESPACE = dev.ebb.core.metrics.Metric.NAMESPACE;
    /** Failed jobs among those that ended, per lane, that alarm. */
    static final int FAILURE_RATE_PERCENT = 10;

    /**
     * @param lanes       each lane's name → queue and DLQ
     * @param ageWarning  oldest-message age that warns
     * @param ageCritical oldest-message age that is critical
     * @param depthLimit  visible messages in a lane queue that alarm
     * @param cluster     the gpu workers' cluster name
     * @param service     the gpu workers' service name
     */
    public record Props(Map<String, Queues.Lane> lanes, Duration ageWarning, Duration ageCritical, int depthLimit,
                        String cluster, String service) {
    }

    private final List<Alarm> alarms = new ArrayList<>();
    private final java.util.Set<String> charted = new java.util.TreeSet<>();
    private final Dashboard dashboard;
    private final Topic topic;

    public Observability(Construct scope, String id, Props props) {
        super(scope, id);
        // Every alarm notifies this topic; subscribe to it (docs/deploy.md). Without subscribers it costs nothing.
        this.topic = Topic.Builder.create(this, "AlarmTopic")
                .displayName("Ebb alarms")
                .enforceSsl(true)
                .build();
        MetricOptions perMinute = MetricOptions.builder().period(Duration.minutes(1)).statistic("Maximum").build();
        List<IMetric> depth = new ArrayList<>();
        List<IMetric> age = new ArrayList<>();
        props.lanes().forEach((name, lane) -> {
            IQueue queue = lane.queue();
            Metric oldest = queue.metricApproximateAgeOfOldestMessage(perMinute);
            alarm(name + "OldestMessageWarning", oldest, props.ageWarning().toSeconds().doubleValue(), 1,
                    name + " lane: the oldest message has waited " + props.ageWarning().toSeconds() + " s or more");
            alarm(name + "OldestMessageCritical", oldest, props.ageCritical().toSeconds().doubleValue(), 1,
                    name + " lane: the oldest message has waited " + props.ageCritical().toSeconds() + " s or more");
            Metric visible = queue.metricApproximateNumberOfMessagesVisible(perMinute);
            alarm(name + "QueueDepth", visible, props.depthLimit(), 3,
                    name + " lane: more than " + props.depthLimit() + " messages waiting for 3 minutes");
            alarm(name + "DeadLetters", lane.deadLetters().metricApproximateNumberOfMessagesVisible(perMinute), 1, 1,
                    name + " lane: a message reached the dead-letter queue");
            depth.add(visible.with(MetricOptions.builder().label(name + " waiting").build()));
            depth.add(queue.metricApproximateNumberOfMessagesNotVisible(perMinute)
                    .with(MetricOptions.builder().label(name + " in flight").build()));
            age.add(oldest.with(MetricOptions.builder().label(name + " oldest message (s)").build()));
        });

        Map<String, String> serviceDimensions = Map.of("ClusterName", props.cluster(), "ServiceName", props.service());
        Metric running = Metric.Builder.create().namespace("ECS/ContainerInsights").metricName("RunningTaskCount")
                .dimensionsMap(serviceDimensions).statistic("Maximum").period(Duration.minutes(1))
                .label("gpu tasks running (ECS)").build();
        Metric desired = Metric.Builder.create().namespace("ECS/ContainerInsights").metricName("DesiredTaskCount")
                .dimensionsMap(serviceDimensions).statistic("Maximum").period(Duration.minutes(1))
                .label("gpu tasks desired (ECS)").build();
        List<String> lanes = List.copyOf(props.lanes().keySet()).stream().sorted().toList();

        List<IMetric> workers = new ArrayList<>(List.of(running, desired));
        workers.add(app(dev.ebb.core.metrics.Metric.WORKERS_RUNNING, "gpu", "Maximum", "gpu workers running"));
        workers.add(app(dev.ebb.core.metrics.Metric.WORKERS_BUSY, "gpu", "Maximum", "gpu workers busy"));

        List<IMetric> jobs = new ArrayList<>();
        jobs.add(app(dev.ebb.core.metrics.Metric.JOBS_SUBMITTED, null, "Sum", "submitted"));
        jobs.add(app(dev.ebb.core.metrics.Metric.JOBS_REJECTED, null, "Sum", "rejected"));
        jobs.add(app(dev.ebb.core.metrics.Metric.JOBS_CANCELLED, null, "Sum", "cancelled"));
        List<IMetric> wait = new ArrayList<>();
        List<IMetric> endToEnd = new ArrayList<>();
        List<IMetric> run = new ArrayList<>();
        List<IMetric> cost = new ArrayList<>();
        for (String lane : lanes) {
            jobs.add(app(dev.ebb.core.metrics.Metric.JOBS_ACCEPTED, lane, "Sum", lane + " accepted"));
            Metric succeeded = app(dev.ebb.core.metrics.Metric.JOBS_SUCCEEDED, lane, "Sum", lane + " succeeded");
            Metric failed = app(dev.ebb.core.metrics.Metric.JOBS_FAILED, lane, "Sum", lane + " failed");
            jobs.add(succeeded);
            jobs.add(failed);
            for (String p : List.of("p50", "p95", "p99")) {
                wait.add(app(dev.ebb.core.metrics.Metric.QUEUE_WAIT, lane, p, lane + " wait " + p));
                endToEnd.add(app(dev.ebb.core.metrics.Metric.END_TO_END, lane, p, lane + " end to end " + p));
            }
            run.add(app(dev.ebb.core.metrics.Metric.RUN_TIME, lane, "p50", lane + " run p50"));
            run.add(app(dev.ebb.core.metrics.Metric.RUN_TIME, lane, "p99", lane + " run p99"));
            run.add(app(dev.ebb.core.metrics.Metric.MODEL_TIME, lane, "p50", lane + " model time per batch p50"));
            cost.add(MathExpression.Builder.create()
                    .expression("1000 * cost" + lane)
                    .usingMetrics(Map.of("cost" + lane, app(dev.ebb.core.metrics.Metric.JOB_COST, lane, "Average", null)))
                    .label(lane + " cost per 1,000 jobs (USD)")
                    .period(Duration.minutes(5))
                    .build());
            MathExpression failureRate = MathExpression.Builder.create()
                    .expression("100 * f / (s + f)")
                    .usingMetrics(Map.of("s", succeeded.with(MetricOptions.builder().period(Duration.minutes(5)).build()),
                            "f", failed.with(MetricOptions.builder().period(Duration.minutes(5)).build())))
                    .label(lane + " failure rate (%)")
                    .period(Duration.minutes(5))
                    .build();
            alarm(cap(lane) + "FailureRate", failureRate, FAILURE_RATE_PERCENT, 3,
                    lane + " lane: " + FAILURE_RATE_PERCENT + " % or more of the jobs that ended failed, 15 minutes long");
            alarm(cap(lane) + "EndToEndP99", app(dev.ebb.core.metrics.Metric.END_TO_END, lane, "p99", null)
                            .with(MetricOptions.builder().period(Duration.minutes(5)).build()),
                    props.ageCritical().toMilliseconds().doubleValue(), 3,
                    lane + " lane: p99 from submit to result is " + props.ageCritical().toSeconds()
                            + " s or more, 15 minutes long");
        }
        List<IMetric> batches = List.of(
                app(dev.ebb.core.metrics.Metric.BATCH_SIZE, "gpu", "Average", "gpu batch size (mean)"),
                app(dev.ebb.core.metrics.Metric.BATCH_WAIT, "gpu", "p95", "gpu batch wait p95 (ms)"));
        MathExpression hitRate = MathExpression.Builder.create()
                .expression("100 * hits / (hits + misses)")
                .usingMetrics(Map.of(
                        "hits", app(dev.ebb.core.metrics.Metric.CACHE_HITS, null, "Sum", null)
                                .with(MetricOptions.builder().period(Duration.minutes(5)).build()),
                        "misses", app(dev.ebb.core.metrics.Metric.CACHE_MISSES, null, "Sum", null)
                                .with(MetricOptions.builder().period(Duration.minutes(5)).build())))
                .label("cache hit rate (%)")
                .period(Duration.minutes(5))
                .build();

        List<IWidget> row1 = List.of(graph("Queue depth", depth), graph("Oldest message age (s)", age),
                graph("Workers", workers));
        List<IWidget> row2 = List.of(graph("Jobs per minute", jobs), graph("Queue wait (ms)", wait),
                graph("End to end (ms)", endToEnd));
        List<IWidget> row3 = List.of(graph("Run and model time (ms)", run), graph("Batches (gpu)", batches),
                graph("Cache hit rate (%)", List.of(hitRate)));
        List<IWidget> row4 = List.of(graph("Cost per 1,000 jobs (USD)", cost));
        this.dashboard = Dashboard.Builder.create(this, "Dashboard")
                .widgets(List.of(row1, row2, row3, row4))
                .build();
    }

    /**
     * One of Ebb's own metrics ({@code dev.ebb.core.metrics.Metric}, namespace {@value #NAMESPACE}) with the
     * dimension set it is charted by: its lane alone, or none where {@code lane} is null. The metric must declare
     * that set, or CloudWatch would hold no data for it.
     */
    private Metric app(dev.ebb.core.metrics.Metric metric, String lane, String statistic, String label) {
        List<String> wanted = lane == null ? List.of() : List.of(dev.ebb.core.metrics.Metric.Dimension.LANE);
        if (!metric.dimensionSets().contains(wanted)) {
            throw new IllegalArgumentException(metric.metricName() + " has no dimension set " + wanted);
        }
        charted.add(metric.metricName());
        Metric.Builder builder = Metric.Builder.create().namespace(NAMESPACE).metricName(metric.metricName())
                .statistic(statistic).period(Duration.minutes(1));
        if (lane != null) {
            builder.dimensionsMap(Map.of(dev.ebb.core.metrics.Metric.Dimension.LANE, lane));
        }
        if (label != null) {
            builder.label(label);
        }
        return builder.build();
    }

    private static String cap(String lane) {
        return Character.toUpperCase(lane.charAt(0)) + lane.substring(1);
    }

    /** The names of Ebb's own metrics that the dashboard and alarms use. */
    public java.util.Set<String> chartedMetrics() {
        return java.util.Collections.unmodifiableSet(charted);
    }

    private void alarm(String id, IMetric metric, double threshold, int periods, String description) {
        Alarm alarm = Alarm.Builder.create(this, id)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(periods)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .alarmDescription(description)
                .build();
        alarm.addAlarmAction(new SnsAction(topic));
        alarms.add(alarm);
    }

    private static GraphWidget graph(String title, List<? extends IMetric> metrics) {
        return GraphWidget.Builder.create().title(title).left(new ArrayList<>(metrics)).width(8).height(6).build();
    }

    public List<Alarm> alarms() {
        return List.copyOf(alarms);
    }

    public Topic topic() {
        return topic;
    }

    public Dashboard dashboard() {
        return dashboard;
    }
}
