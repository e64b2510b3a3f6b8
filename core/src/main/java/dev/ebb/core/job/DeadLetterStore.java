package dev.ebb.core.job;

import dev.ebb.core.task.Lane;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Jobs whose messages went to a dead-letter queue: the dead-letter consumer ends them FAILED with
 * {@value #CODE} and marks them for redrive; a redrive reopens them (FAILED → QUEUED) and sends their message
 * again. The mark stays until the message is sent, so a redrive stopped halfway is finished by running it again.
 */
public interface DeadLetterStore {
    /** The error code of a job whose message was dead-lettered. */
    String CODE = "dead_lettered";

    /**
     * QUEUED, or RUNNING under a lapsed lease → FAILED with {@code error}, marked for redrive on its lane. The error
     * message is made from the stored job by {@code message} (it can name the attempts).
     */
    MarkResult markDeadLettered(String jobId, java.util.function.Function<Job, String> message, Instant now,
                                Instant expiresAt);

    /** Up to {@code max} marked jobs of {@code lane}, oldest first, from {@code after} (null: the first page). */
    Page findMarked(Lane lane, int max, String after);

    /**
     * A marked FAILED({@value #CODE}) job → QUEUED again, its error cleared and its TTL that of a new job; the mark
     * stays until {@link #clearMark}. A marked job already QUEUED (a redrive stopped before it sent the message) is
     * returned as it is.
     */
    ReopenResult reopen(String jobId, Instant now, Instant expiresAt);

    /** Removes the redrive mark (after the message was sent, or where there is nothing to redrive). */
    void clearMark(String jobId);

    sealed interface MarkResult {
        record Marked(Job job) implements MarkResult {
        }

        /** Ended already (or gone): the dead letter has nothing left to do. */
        record AlreadyEnded(Optional<Job> job) implements MarkResult {
        }

        /** A live worker holds it: leave the dead letter for later. */
        record Held(Job job) implements MarkResult {
        }
    }

    /** Marked job ids, oldest first; {@code next} is where the next page starts, null at the end. */
    record Page(List<String> jobIds, String next) {
    }

    sealed interface ReopenResult {
        /** QUEUED now (reopened by this call or by an earlier, interrupted redrive): send its message. */
        record Queued(Job job) implements ReopenResult {
        }

        /** Not redrivable any more (cancelled, ended, expired or gone): clear the mark. */
        record Skipped(Optional<Job> job) implements ReopenResult {
        }
    }
}
