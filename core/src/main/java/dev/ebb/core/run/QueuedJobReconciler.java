package dev.ebb.core.run;

import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.task.Lane;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Finds jobs that have waited QUEUED with no run for longer than {@code resendAfter} and sends their message again,
 * so that a message that was lost (a crash between the job write and the send, a queue that lost what it had
 * acknowledged, a message deleted by hand) cannot leave a job waiting until its TTL. A copy of a message that was
 * not lost is harmless: the claim is conditional, and a job already claimed or ended has left the index.
 *
 * <p>Each job sent again is marked ({@link JobStore#markResent}), so it is looked at again only after another
 * period: a backlog that is merely slow costs at most one extra message per waiting job per period, and at most
 * {@code limit} per lane per pass. Run once a minute by the scaler's schedule (the scaler function on AWS, the local
 * scaler's loop locally).
 */
public final class QueuedJobReconciler {
    private static final Logger log = LoggerFactory.getLogger(QueuedJobReconciler.class);
    /** The most jobs one pass sends again per lane. */
    public static final int DEFAULT_LIMIT = 100;

    private final JobStore store;
    private final JobQueue queue;
    private final Duration resendAfter;
    private final int limit;
    private final Clock clock;

    public QueuedJobReconciler(JobStore store, JobQueue queue, Duration resendAfter, int limit, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.resendAfter = Objects.requireNonNull(resendAfter, "resendAfter");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What one pass over a lane did. */
    public record Pass(Lane lane, int found, int resent, int skipped) {
    }

    /** One pass over every lane. */
    public List<Pass> reconcile() {
        return java.util.Arrays.stream(Lane.values()).map(this::reconcile).toList();
    }

    /**
     * One pass over {@code lane}: each job QUEUED with no run since before now minus {@code resendAfter} gets its
     * message sent again and is marked. A send that fails ends the pass (the queue is down; the next pass retries).
     */
    public Pass reconcile(Lane lane) {
        Instant now = clock.instant();
        List<String> stranded = store.queuedBefore(lane, now.minus(resendAfter), limit);
        int resent = 0;
        int skipped = 0;
        for (String jobId : stranded) {
            Optional<Job> job = store.find(jobId);
            if (job.isEmpty() || job.get().status() != JobStatus.QUEUED || job.get().attempts() > 0) {
                skipped++; // ended, claimed or expired since the index was read
                continue;
            }
            try {
                queue.send(lane, JobEnvelope.of(job.get()));
            } catch (SdkException e) {
                log.warn("reconciler: could not send the message of jobId={} lane={}: {}", jobId, lane.id(),
                        e.toString());
                break;
            }
            store.markResent(jobId, now);
            resent++;
            log.info("reconciler: re-sent the message of jobId={} lane={}, QUEUED with no run since {}", jobId,
                    lane.id(), job.get().createdAt());
        }
        return new Pass(lane, stranded.size(), resent, skipped);
    }
}
