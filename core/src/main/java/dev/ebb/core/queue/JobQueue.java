package dev.ebb.core.queue;

import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.List;

/** The lanes' queues. A message is deleted only after its job reached a terminal state. */
public interface JobQueue {

    void send(Lane lane, JobEnvelope envelope);

    /**
     * Sends many envelopes in batches of ten. Returns one entry per envelope, in order: null where it was sent,
     * otherwise why it was not.
     */
    List<String> sendAll(Lane lane, List<JobEnvelope> envelopes);

    /** Long-polls for up to {@code max} messages (at most 10 a call, as SQS allows), waiting up to {@code wait}. */
    List<QueueMessage> receive(Lane lane, int max, Duration wait);

    /** Deletes messages in batches of ten; one that could not be deleted is simply delivered again later. */
    void delete(Lane lane, List<QueueMessage> messages);

    /** Makes messages visible again at once (a worker that stops gives back what it will not run). */
    void returnNow(Lane lane, List<QueueMessage> messages);
}
