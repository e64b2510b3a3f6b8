package dev.ebb.functions;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.task.Lane;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * Wakes the gpu lane's scaler after the submit function accepted a job, so that the first job after a quiet time
 * does not wait for the next scheduled run: an asynchronous invoke (InvocationType Event) of the function named by
 * {@code EBB_SCALER_FUNCTION}, only when the scaler last saw the lane with no running worker, and at most once per
 * {@link #EVERY} in this execution environment (the scaler's state item is read at most that often too). Without
 * {@code EBB_SCALER_FUNCTION} it does nothing. A failed wake is logged and
 * never fails the submit: the schedule still runs within a minute.
 */
public final class LambdaLaneWake implements LaneWake {
    private static final Logger log = LoggerFactory.getLogger(LambdaLaneWake.class);
    public static final String SCALER_FUNCTION = Deployment.SCALER_FUNCTION.name();
    static final Duration EVERY = Duration.ofSeconds(10);

    private final String function;
    private final Supplier<LambdaClient> lambda;
    private final ScalerState state;
    private final Clock clock;
    private Instant nextLook = Instant.MIN;

    LambdaLaneWake(String function, Supplier<LambdaClient> lambda, ScalerState state, Clock clock) {
        this.function = function;
        this.lambda = lambda;
        this.state = state;
        this.clock = clock;
    }

    static String function(Map<String, String> env) {
        String name = env.get(SCALER_FUNCTION);
        return name == null || name.isBlank() ? null : name.strip();
    }

    @Override
    public boolean accepted(Lane lane) {
        if (function == null || lane != Lane.GPU) {
            return false;
        }
        synchronized (this) {
            Instant now = clock.instant();
            if (now.isBefore(nextLook)) {
                return false;
            }
            nextLook = now.plus(EVERY);
        }
        try {
            boolean idle = state.read(lane.id(), false).map(s -> s.running() == 0).orElse(true);
            if (!idle) {
                return false;
            }
            lambda.get().invoke(r -> r.functionName(function).invocationType(InvocationType.EVENT)
                    .payload(SdkBytes.fromUtf8String("{\"lane\":\"" + lane.id() + "\"}")));
            log.info("woke the scaler {} for lane {}", function, lane.id());
            return true;
        } catch (SdkException e) {
            log.warn("could not wake the scaler {}: {}", function, e.toString());
            return false;
        }
    }
}
