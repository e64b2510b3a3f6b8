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
    default List<QueueMessage> receive(Lane lane, int max, Duration wait) {
        return receive(lane, max, wait, null);
    }

    /** As {@link #receive(Lane, int, Duration)}, hiding what it returns for {@code visibility} (null: the queue's). */
    List<QueueMessage> receive(Lane lane, int max, Duration wait, Duration visibility);

    /** Deletes messages in batches of ten; one that could not be deleted is simply delivered again later. */
    void delete(Lane lane, List<QueueMessage> messages);

    /** Makes messages visible again at once (a worker that stops gives back what it will not run). */
    default void returnNow(Lane lane, List<QueueMessage> messages) {
        changeVisibility(lane, messages, Duration.ZERO);
    }

    /** Keeps messages invisible for {@code timeout} from now: a worker's heartbeat while it runs them. */
    void changeVisibility(Lane lane, List<QueueMessage> messages, Duration timeout);
}
