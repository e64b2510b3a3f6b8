package dev.ebb.core.api;

import dev.ebb.core.job.DynamoDbJobListing;
import dev.ebb.core.job.JobStatus;
import java.util.Objects;

/**
 * Cancels a tenant's QUEUED jobs, for an operator who switches the tenant off and wants its waiting work gone rather
 * than failed one by one at its claim. Finds them through the jobs table's tenant index
 * ({@link DynamoDbJobListing}, a page of at most 100 jobs at a time, newest first) and cancels each as
 * {@code DELETE /v1/jobs/{id}} does ({@link JobService#cancelIfQueued}): the job ends CANCELLED, its reservation is
 * released, and the message left in the queue finds it ended and is dropped. The cancel is conditional on the job
 * still being QUEUED, so one a worker claimed meanwhile is left to that worker, whose claim check fails it
 * {@code tenant_disabled}. Jobs queued after the sweep started are not its business: with the tenant switched off,
 * none are accepted.
 */
public final class QueuedJobSweep {
    private static final int PAGE = 100;

    private final DynamoDbJobListing listing;
    private final JobService jobs;

    public QueuedJobSweep(DynamoDbJobListing listing, JobService jobs) {
        this.listing = Objects.requireNonNull(listing, "listing");
        this.jobs = Objects.requireNonNull(jobs, "jobs");
    }

    /**
     * @param cancelled jobs this sweep cancelled
     * @param moved     jobs listed as QUEUED that had moved on (claimed, ended) before their cancel
     */
    public record Swept(int cancelled, int moved) {
    }

    /** Cancels every job of {@code tenant} that is QUEUED now, page by page. */
    public Swept cancelQueued(String tenant) {
        int cancelled = 0;
        int moved = 0;
        DynamoDbJobListing.Position after = null;
        do {
            DynamoDbJobListing.Page page = listing.list(
                    new DynamoDbJobListing.Query(tenant, JobStatus.QUEUED, null, PAGE, after));
            for (DynamoDbJobListing.Listed listed : page.jobs()) {
                if (jobs.cancelIfQueued(tenant, listed.job().jobId()).isPresent()) {
                    cancelled++;
                } else {
                    moved++;
                }
            }
            after = page.next();
        } while (after != null);
        return new Swept(cancelled, moved);
    }
}
