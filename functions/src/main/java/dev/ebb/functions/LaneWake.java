package dev.ebb.functions;

import dev.ebb.core.task.Lane;

/**
 * What the submit function does after it accepted a job: wake the lane's scaler, so a lane at zero workers does not
 * wait for the scaler's next scheduled look. On AWS, {@link LambdaLaneWake} invokes the scaler function; the local
 * cloud wakes its own scaler in-process. A wake never fails a submit.
 */
@FunctionalInterface
public interface LaneWake {
    /** Wakes nothing: a deployment without a scaler to wake. */
    LaneWake NONE = lane -> false;

    /** After a job was accepted on {@code lane}; returns whether a scaler was woken. */
    boolean accepted(Lane lane);
}
