package dev.ebb.core.run;

import dev.ebb.core.queue.QueueMessage;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Puts a message back in its queue to be received again only after a delay: what a job whose task answered
 * {@link dev.ebb.core.task.Outcome.Retry} (a model service that throttled past the SDK's retries) gets instead of
 * failing. On SQS that is a visibility change of the received message; the host that received it does it (the
 * llm consumer through its lane's queue). Without one, such a message comes back after its queue's visibility
 * timeout.
 */
@FunctionalInterface
public interface Requeue {

    /** The first delay; each return to the queue doubles it, up to {@link #MAX_DELAY}. */
    Duration FIRST_DELAY = Duration.ofSeconds(2);
    /** The longest delay (well under the 12 hours SQS allows a message to stay hidden). */
    Duration MAX_DELAY = Duration.ofMinutes(5);

    /** Hides {@code message} for {@code delay} from now. Best effort: a failure leaves its usual timeout. */
    void later(QueueMessage message, Duration delay);

    /**
     * The delay of a message received {@code receiveCount} times: {@link #FIRST_DELAY} doubled per earlier receive,
     * at most {@link #MAX_DELAY}, and of that between half and all (jitter, so that many throttled sessions do not
     * come back in step).
     */
    static Duration delay(int receiveCount) {
        int doublings = Math.max(0, Math.min(receiveCount - 1, 16));
        long millis = Math.min(MAX_DELAY.toMillis(), FIRST_DELAY.toMillis() << doublings);
        long jittered = millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
        // SQS takes whole seconds: round up, so the delay never shrinks to nothing.
        return Duration.ofSeconds(Math.max(1, (jittered + 999) / 1000));
    }
}
