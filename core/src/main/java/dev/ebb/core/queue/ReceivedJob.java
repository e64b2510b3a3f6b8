package dev.ebb.core.queue;

import dev.ebb.core.queue.JobEnvelope.MalformedEnvelopeException;

/**
 * A received message beside its envelope, read once where the message enters (the worker's poller, the runner of a
 * batch) and carried from there to the batch's units, the claim and the heartbeat.
 *
 * @param envelope   the job the message carries; null when its body is not an envelope this version can run
 * @param unreadable why the body is not an envelope; null when {@code envelope} is there
 */
public record ReceivedJob(QueueMessage message, JobEnvelope envelope, String unreadable) {

    /** Reads {@code message}'s body; a body that is not an envelope gives a job without one, saying why. */
    public static ReceivedJob of(QueueMessage message) {
        try {
            return new ReceivedJob(message, JobEnvelope.parse(message.body()), null);
        } catch (MalformedEnvelopeException e) {
            return new ReceivedJob(message, null, e.getMessage());
        }
    }

    /** True when the message carries an envelope; an unreadable one is never run. */
    public boolean readable() {
        return envelope != null;
    }
}
