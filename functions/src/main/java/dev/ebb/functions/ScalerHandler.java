package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.ebb.core.metrics.JobMeter;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.run.QueuedJobReconciler;
import dev.ebb.core.scale.ScalingPolicy;
import dev.ebb.core.scale.ScalingSettings;
import dev.ebb.core.task.Lane;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The gpu lane's scaler: run every minute by an EventBridge schedule, and invoked directly (asynchronously, by the
 * submit function when the lane has no worker) with {@code {"lane":"gpu"}}. Applies the same {@link ScalingPolicy}
 * as the local scaler and the simulator to the ECS service's desired count. The scheduled run also passes the
 * {@link QueuedJobReconciler} over every lane: jobs QUEUED with no run for longer than {@code EBB_RESEND_AFTER_SECONDS}
 * get their message again.
 */
public final class ScalerHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final Logger log = LoggerFactory.getLogger(ScalerHandler.class);
    private final EcsLaneScaler scaler;
    /** Sends again the messages of jobs QUEUED too long with no run, on each scheduled run; null: not here. */
    private final QueuedJobReconciler reconciler;
    /** Workers running and busy, as the scaler saw them: one value each per run. */
    private MetricsSink metrics = MetricsSink.NONE;

    public ScalerHandler() {
        this(DependencyFactory.fromProcessEnv(), System.getenv());
    }

    ScalerHandler(DependencyFactory factory, Map<String, String> env) {
        this(new EcsLaneScaler(new ScalingPolicy(ScalingSettings.fromEnv(env)), factory.sqsClient(),
                factory.ecsClient(), new ScalerState(factory.dynamoDbClient(), factory.settings().jobsTable()),
                factory.settings().queueUrls().get(Lane.GPU), EcsLaneScaler.cluster(env), EcsLaneScaler.service(env),
                factory.clock()), factory.reconciler());
        this.metrics = factory.metrics();
    }

    ScalerHandler(EcsLaneScaler scaler) {
        this(scaler, null);
    }

    ScalerHandler(EcsLaneScaler scaler, QueuedJobReconciler reconciler) {
        this.scaler = scaler;
        this.reconciler = reconciler;
    }

    /** A scheduled event (any event without {@code lane}) or {@code {"lane":"gpu"}}; another lane is refused. */
    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Object lane = event == null ? null : event.get("lane");
        if (lane != null && !Lane.GPU.id().equals(lane)) {
            Map<String, Object> refused = new LinkedHashMap<>();
            refused.put("error", Map.of("code", "invalid_lane",
                    "message", "only the gpu lane has workers to scale, not '" + lane + "'"));
            return refused;
        }
        EcsLaneScaler.Result result = scaler.scale();
        new JobMeter(metrics).workers(Lane.GPU, result.running(), result.busy());
        metrics.flush();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("lane", result.lane());
        answer.put("visible", result.visible());
        answer.put("inFlight", result.inFlight());
        answer.put("running", result.running());
        answer.put("starting", result.starting());
        answer.put("busy", result.busy());
        answer.put("previousDesired", result.previous());
        answer.put("desired", result.desired());
        answer.put("reason", result.reason());
        if (lane == null && reconciler != null) {
            // The schedule's run (a submit's wake names its lane): once a minute, heal jobs whose message was lost.
            try {
                Map<String, Object> resent = new LinkedHashMap<>();
                reconciler.reconcile().forEach(pass -> resent.put(pass.lane().id(), pass.resent()));
                answer.put("resent", resent);
            } catch (SdkException e) {
                log.error("reconciler pass failed (the next scheduled run tries again): {}", e.toString());
                answer.put("resent", Map.of("error", e.getClass().getSimpleName()));
            }
        }
        return answer;
    }
}
