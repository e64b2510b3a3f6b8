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
 * {@link Props#ageCritical()}), queue depth over {@link Props#depthLimit()}, and any message at all in its DLQ.
 * The dashboard shows queue depth, workers, job latency percentiles and the cache hit rate.
 *
 * <p>Job latency and cache hits are the application's own metrics, emitted as CloudWatch EMF in namespace
 * {@value #NAMESPACE}; the names here are the contract with the code that emits them.
 */
public final class Observability extends Construct {
    public static final String NAMESPACE = "Ebb";
    public static final String JOB_LATENCY = "JobLatencyMs";
    public static final String CACHE_HITS = "CacheHits";
    public static final String CACHE_MISSES = "CacheMisses";

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
                .label("gpu workers running").build();
        Metric desired = Metric.Builder.create().namespace("ECS/ContainerInsights").metricName("DesiredTaskCount")
                .dimensionsMap(serviceDimensions).statistic("Maximum").period(Duration.minutes(1))
                .label("gpu workers desired").build();
        List<IMetric> latency = new ArrayList<>();
        for (String p : List.of("p50", "p90", "p99")) {
            latency.add(Metric.Builder.create().namespace(NAMESPACE).metricName(JOB_LATENCY).statistic(p)
                    .period(Duration.minutes(1)).label("job latency " + p + " (ms)").build());
        }
        MathExpression hitRate = MathExpression.Builder.create()
                .expression("100 * hits / (hits + misses)")
                .usingMetrics(Map.of(
                        "hits", Metric.Builder.create().namespace(NAMESPACE).metricName(CACHE_HITS).statistic("Sum")
                                .period(Duration.minutes(5)).build(),
                        "misses", Metric.Builder.create().namespace(NAMESPACE).metricName(CACHE_MISSES)
                                .statistic("Sum").period(Duration.minutes(5)).build()))
                .label("cache hit rate (%)")
                .period(Duration.minutes(5))
                .build();

        List<IWidget> row1 = List.of(graph("Queue depth", depth), graph("Oldest message age (s)", age));
        List<IWidget> row2 = List.of(graph("GPU workers", List.of(running, desired)),
                graph("Job latency percentiles (ms)", latency), graph("Cache hit rate (%)", List.of(hitRate)));
        this.dashboard = Dashboard.Builder.create(this, "Dashboard")
                .widgets(List.of(row1, row2))
                .build();
    }

    private void alarm(String id, Metric metric, double threshold, int periods, String description) {
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
