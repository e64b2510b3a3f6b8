package dev.ebb.core.admission;

import dev.ebb.core.task.Lane;

/** How many messages a lane holds: waiting plus in flight (the SQS adapter reads the queue's attributes). */
@FunctionalInterface
public interface LaneDepth {
    long depth(Lane lane);
}
