package dev.ebb.functions;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Env;
import dev.ebb.core.scale.ScalingMetrics;
import dev.ebb.core.scale.ScalingPolicy;
import dev.ebb.core.task.Lane;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.ProtectedTask;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Applies {@link ScalingPolicy} to the gpu lane's ECS service: reads the queue's attributes, the service's counts
 * and its tasks' scale-in protection (busy workers), decides, and sets the desired count. Remembers the cool-down
 * in {@link ScalerState}. Lowering the desired count never stops a busy task: ECS skips protected tasks.
 */
final class EcsLaneScaler {
    private static final Logger log = LoggerFactory.getLogger(EcsLaneScaler.class);
    public static final String ECS_CLUSTER = Deployment.ECS_CLUSTER.name();
    public static final String ECS_SERVICE = Deployment.ECS_SERVICE.name();
    /** GetTaskProtection takes at most 10 tasks a call. */
    private static final int PROTECTION_BATCH = 10;

    /** What one run saw and did. */
    record Result(String lane, long visible, long inFlight, int running, int starting, int busy, int previous,
                  int desired, String reason) {
    }

    private final ScalingPolicy policy;
    private final SqsClient sqs;
    private final EcsClient ecs;
    private final ScalerState state;
    private final String queueUrl;
    private final String cluster;
    private final String service;
    private final Clock clock;

    EcsLaneScaler(ScalingPolicy policy, SqsClient sqs, EcsClient ecs, ScalerState state, String queueUrl,
                  String cluster, String service, Clock clock) {
        this.policy = policy;
        this.sqs = sqs;
        this.ecs = ecs;
        this.state = state;
        this.queueUrl = queueUrl;
        this.cluster = cluster;
        this.service = service;
        this.clock = clock;
    }

    static String cluster(Map<String, String> env) {
        return new Env(env).required(ECS_CLUSTER);
    }

    static String service(Map<String, String> env) {
        return new Env(env).required(ECS_SERVICE);
    }

    Result scale() {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        long visible = Long.parseLong(attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"));
        long inFlight = Long.parseLong(attributes.getOrDefault(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
        var described = ecs.describeServices(r -> r.cluster(cluster).services(service));
        if (described.services().isEmpty()) {
            throw new IllegalStateException("ECS service " + service + " not found in cluster " + cluster + ": "
                    + described.failures());
        }
        Service svc = described.services().get(0);
        int serving = svc.runningCount();
        // Tasks asked for but not yet placed count as starting, so a decision is not repeated while they come up.
        int running = Math.max(svc.desiredCount(), serving + svc.pendingCount());
        int busy = serving == 0 ? 0 : protectedTasks();
        Instant now = clock.instant();
        String lane = Lane.GPU.id();
        Optional<ScalerState.State> previous = state.read(lane, true);
        ScalingMetrics metrics = ScalingMetrics.of(visible, inFlight, running, Math.min(busy, running), now)
                .withStarting(running - serving);
        ScalingPolicy.Decision decision = policy.decide(metrics,
                previous.map(ScalerState.State::lowSince).orElse(null),
                previous.map(ScalerState.State::settled).orElse(true), now);
        if (decision.desired() != svc.desiredCount()) {
            ecs.updateService(r -> r.cluster(cluster).service(service).desiredCount(decision.desired()));
        }
        state.write(lane, new ScalerState.State(decision.lowSince(), serving, decision.desired(), decision.settled(),
                now));
        Result result = new Result(lane, visible, inFlight, running, running - serving, busy, svc.desiredCount(),
                decision.desired(), decision.reason());
        log.info("scaler lane={} visible={} inFlight={} running={} starting={} busy={} desired {} -> {} ({})",
                lane, visible, inFlight, running, result.starting(), busy, svc.desiredCount(), decision.desired(),
                decision.reason());
        return result;
    }

    /** The service's running tasks that have scale-in protection on (they hold jobs). */
    private int protectedTasks() {
        List<String> tasks = new ArrayList<>();
        ecs.listTasksPaginator(r -> r.cluster(cluster).serviceName(service).desiredStatus(DesiredStatus.RUNNING))
                .taskArns().forEach(tasks::add);
        int count = 0;
        for (int i = 0; i < tasks.size(); i += PROTECTION_BATCH) {
            List<String> batch = tasks.subList(i, Math.min(tasks.size(), i + PROTECTION_BATCH));
            for (ProtectedTask task : ecs.getTaskProtection(r -> r.cluster(cluster).tasks(batch)).protectedTasks()) {
                if (Boolean.TRUE.equals(task.protectionEnabled())) {
                    count++;
                }
            }
        }
        return count;
    }
}
