package dev.ebb.core.run;

import dev.ebb.core.api.Limits;
import dev.ebb.core.job.DeadLetterStore;
import dev.ebb.core.job.DeadLetterStore.MarkResult;
import dev.ebb.core.job.DeadLetterStore.ReopenResult;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.LastError;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobEnvelope.MalformedEnvelopeException;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.JobRunner.Disposition;
import dev.ebb.core.task.Lane;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The two halves of dead-letter handling, shared by the functions and the local runtime.
 *
 * <p>{@link #consume}: a message that reached a lane's DLQ (received {@code maxReceiveCount} times without its job
 * ending) ends its job FAILED with code {@value DeadLetterStore#CODE} and a message that names the receives and
 * runs, and marks it for redrive; then the dead letter may be deleted, because the job item now holds all a
 * redrive needs. A dead-lettered job is kept as long as a new job ({@code jobTtl}), not a finished one, so it can
 * be redriven for as long as the DLQ would have kept the message.
 *
 * <p>{@link #redrive}: once the cause is fixed, each marked job of the lane is reopened (FAILED → QUEUED,
 * conditionally) and its message sent again from the stored job; the mark is cleared only after the send, so a
 * redrive that stops halfway is completed by running it again. Cancelled or finished jobs are skipped.
 */
public final class DeadLetters {
    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final int PAGE = 100;

    private final DeadLetterStore store;
    private final JobQueue queue;
    private final Limits limits;
    private final Clock clock;

    public DeadLetters(DeadLetterStore store, JobQueue queue, Limits limits, Clock clock) {
        this.store = store;
        this.queue = queue;
        this.limits = limits;
        this.clock = clock;
    }

    /** What a redrive did. {@code more}: marked jobs were left because {@code max} was reached. */
    public record RedriveReport(Lane lane, int redriven, int skipped, boolean more) {
    }

    /** Ends the jobs of dead-lettered messages; one disposition per message, in order. */
    public List<Disposition> consume(List<QueueMessage> messages) {
        List<Disposition> dispositions = new ArrayList<>(messages.size());
        for (QueueMessage message : messages) {
            dispositions.add(consume(message));
        }
        return dispositions;
    }

    private Disposition consume(QueueMessage message) {
        JobEnvelope envelope;
        try {
            envelope = JobEnvelope.parse(message.body());
        } catch (MalformedEnvelopeException e) {
            // Only the submit path writes envelopes; an unreadable one was never an accepted job.
            log.error("dead letter messageId={} is not a job envelope ({}); dropped", message.messageId(),
                    e.getMessage());
            return Disposition.DELETE;
        }
        Instant now = clock.instant();
        try {
            MarkResult result = store.markDeadLettered(envelope.jobId(), job -> reason(job, message.receiveCount()),
                    now, now.plus(limits.jobTtl()));
            return switch (result) {
                case MarkResult.Marked marked -> {
                    log.warn("jobId={} dead-lettered after {} receives and {} runs; FAILED, marked for redrive",
                            envelope.jobId(), message.receiveCount(), marked.job().attempts());
                    yield Disposition.DELETE;
                }
                case MarkResult.AlreadyEnded ended -> Disposition.DELETE;
                case MarkResult.Held held -> Disposition.RETRY; // a live worker runs it; look again later
            };
        } catch (SdkException e) {
            log.warn("dead letter jobId={} not handled yet: {}", envelope.jobId(), e.toString());
            return Disposition.RETRY;
        }
    }

    /**
     * The dead-lettered job's error message: the receives and runs, the last error a worker recorded (if any), and
     * the last run if it never finished (the job is still RUNNING under its last claim, whose lease has lapsed).
     */
    static String reason(Job job, int receives) {
        StringBuilder reason = new StringBuilder("the job's message was received ").append(receives)
                .append(" times without the job finishing (").append(job.attempts())
                .append(" runs started) and was moved to the dead-letter queue.");
        LastError last = job.lastError();
        if (last != null) {
            reason.append(" Last error: ").append(last.code()).append(" (").append(last.message()).append(") at ")
                    .append(last.at()).append(", in run ").append(last.by()).append('.');
        }
        boolean unfinished = job.status() == JobStatus.RUNNING && job.leaseOwner() != null;
        if (unfinished && (last == null || !last.by().equals(job.leaseOwner()))) {
            reason.append(" The last run, ").append(job.leaseOwner()).append(" started at ").append(job.startedAt())
                    .append(", never finished (the worker crashed, was stopped or ran out of time).");
        } else if (last == null && job.attempts() == 0) {
            reason.append(" No run started: the workers that received it stopped before claiming it, or could not"
                    + " reach the job store.");
        } else if (last == null) {
            reason.append(" No error was recorded: each worker that took it stopped before finishing it.");
        }
        return reason.append(" Once the cause is fixed, a redrive queues it again.").toString();
    }

    /**
     * The error message of a job the runner found to be poison ({@link CrashPolicy}): how many of its runs ran alone
     * and ended with their worker dying, the runs and receives in all, and the last error if one was recorded.
     */
    static String poisonReason(Job job, int receives, int crashedAlone) {
        StringBuilder reason = new StringBuilder("the job was taken as poison: ").append(crashedAlone)
                .append(crashedAlone == 1 ? " run" : " runs").append(" that ran it alone ended with the worker dying"
                        + " (crashed, was killed or ran out of time) without finishing it (")
                .append(job.attempts()).append(" runs started, message received ").append(receives)
                .append(" times); it was not run again.");
        LastError last = job.lastError();
        if (last != null) {
            reason.append(" Last error: ").append(last.code()).append(" (").append(last.message()).append(") at ")
                    .append(last.at()).append(", in run ").append(last.by()).append('.');
        }
        if (job.status() == JobStatus.RUNNING && job.leaseOwner() != null) {
            reason.append(" The last run, ").append(job.leaseOwner()).append(" started at ").append(job.startedAt())
                    .append(", never finished.");
        }
        return reason.append(" Once the cause is fixed, a redrive queues it again.").toString();
    }

    /** Redrives up to {@code max} dead-lettered jobs of {@code lane}, oldest first. */
    public RedriveReport redrive(Lane lane, int max) {
        int redriven = 0;
        int skipped = 0;
        String after = null;
        while (redriven + skipped < max) {
            DeadLetterStore.Page page = store.findMarked(lane, Math.min(PAGE, max - redriven - skipped), after);
            for (String jobId : page.jobIds()) {
                Instant now = clock.instant();
                switch (store.reopen(jobId, now, now.plus(limits.jobTtl()))) {
                    case ReopenResult.Queued queued -> {
                        queue.send(lane, JobEnvelope.of(queued.job())); // throws: the mark stays for a re-run
                        redriven++;
                    }
                    case ReopenResult.Skipped skippedJob -> skipped++;
                }
                store.clearMark(jobId);
            }
            after = page.next();
            if (after == null) {
                return new RedriveReport(lane, redriven, skipped, false);
            }
        }
        return new RedriveReport(lane, redriven, skipped, true);
    }
}
