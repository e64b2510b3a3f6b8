package dev.ebb.core.job;

import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where jobs live. Every state change is conditional on the state it leaves, so concurrent workers, redelivered
 * messages and cancellations can race without a second visible result.
 */
public interface JobStore {

    /** Writes a new QUEUED job unless one with its id exists (an idempotent replay). */
    CreateResult create(Job job);

    /** The job, unless it does not exist or has expired. */
    Optional<Job> find(String jobId);

    /**
     * Takes a job for {@code owner} until {@code leaseUntil}: QUEUED, or RUNNING with a lapsed lease, becomes
     * RUNNING with one more attempt.
     */
    ClaimResult claim(String jobId, String owner, Instant leaseUntil, Instant now);

    /**
     * Takes a job whose last run ended without a word (RUNNING under {@code seen}'s lapsed lease: its worker died,
     * was stopped or ran out of time) for {@code owner}, to run it alone, and records {@code crashedAlone}: how many
     * runs of it ran alone and vanished so far. Conditional on the job still being as {@code seen} left it. The
     * attempt is counted when the run starts ({@link #startAlone}).
     */
    default ClaimResult claimAlone(Job seen, String owner, Instant leaseUntil, Instant now, int crashedAlone) {
        throw new UnsupportedOperationException("this store cannot claim a job to run alone");
    }

    /**
     * Notes that the job {@code owner} claimed with {@link #claimAlone} starts running now, alone (one more attempt):
     * if this run vanishes, it counts toward poison. False when the owner no longer holds the job.
     */
    default boolean startAlone(String jobId, String owner) {
        throw new UnsupportedOperationException("this store cannot claim a job to run alone");
    }

    /** Ends a job this owner holds: SUCCEEDED with the result or FAILED with the error. First completion wins. */
    CompleteResult complete(String jobId, String owner, Outcome outcome, Instant now, Instant expiresAt);

    /** Cancels a job of this tenant that has not finished. */
    CancelResult cancel(String tenant, String jobId, Instant now, Instant expiresAt);

    /**
     * As {@link #cancel}, but only while the job is still QUEUED: a job a worker has claimed is left to that worker
     * (and its claim check). A job no longer QUEUED is {@link CancelResult.AlreadyFinished} here, RUNNING included.
     */
    default CancelResult cancelQueued(String tenant, String jobId, Instant now, Instant expiresAt) {
        throw new UnsupportedOperationException("this store cannot cancel a job only while it is queued");
    }

    /** Moves the lease of a job this owner still holds to {@code leaseUntil}; false when it no longer holds it. */
    boolean extendLease(String jobId, String owner, Instant leaseUntil);

    /**
     * Writes the text a streaming task has produced so far on a RUNNING job ({@code partial}, shown by
     * {@code GET /v1/jobs/{id}} until the job ends). A diagnostic for the client: one conditional write, false
     * when the job is not RUNNING. Callers write it a few times a second at most, never per token.
     */
    default boolean writePartial(String jobId, String text) {
        return false;
    }

    /** Gives a claimed job back to the queue (RUNNING → QUEUED) when its owner stops before running it. */
    boolean release(String jobId, String owner);

    /**
     * Writes {@code error} as the job's {@link LastError}, unless the job has ended, expired or is gone: a worker
     * that leaves a job for another try says why, for the dead-letter consumer and the client. A diagnostic only:
     * one conditional write, no read; false when the condition failed.
     */
    boolean recordError(String jobId, LastError error);

    /**
     * Removes a job still QUEUED that no replay has answered for ({@link #markReplayed}): the undo of a submit whose
     * message never reached the queue. False when the job ran, ended, is gone, or a replay was given a 202 for it.
     */
    boolean deleteQueued(String jobId);

    /**
     * Marks a QUEUED job as answered by an idempotent replay, so that the undo of the submit that created it can no
     * longer delete it (a client was told 202). One conditional write; false when the job is no longer QUEUED or is
     * gone (then the replay must not answer 202 for a job it has not seen queued).
     */
    boolean markReplayed(String jobId);

    /**
     * Up to {@code limit} ids of jobs of this lane that are QUEUED with no run since before {@code before} (created,
     * or their message last sent again by {@link #markResent}): the ones whose message may have been lost.
     */
    List<String> queuedBefore(Lane lane, Instant before, int limit);

    /**
     * Records that the message of a job still QUEUED with no run was sent again at {@code now}, so that it is not
     * looked at again for another period; false when the job is no longer QUEUED with no run (or is gone).
     */
    boolean markResent(String jobId, Instant now);

    /** {@link #create} for many jobs, one result each in order; a store may group the writes. */
    default List<CreateResult> createAll(List<Job> jobs) {
        List<CreateResult> results = new ArrayList<>(jobs.size());
        jobs.forEach(job -> results.add(create(job)));
        return results;
    }

    /** {@link #claim} for many distinct jobs, one result each in order; a store may group the writes. */
    default List<ClaimResult> claimAll(List<String> jobIds, String owner, Instant leaseUntil, Instant now) {
        List<ClaimResult> results = new ArrayList<>(jobIds.size());
        jobIds.forEach(jobId -> results.add(claim(jobId, owner, leaseUntil, now)));
        return results;
    }

    /**
     * {@link #claimAll}, tied to what each message says: a job is claimed only where the stored job is the one the
     * envelope describes (tenant, task, model, input or input reference: {@link JobEnvelope#fingerprint()}). A job
     * that does not match is left untouched and answered {@link ClaimResult.Finished} (the message has nothing to
     * do and is deleted, so it cannot reach the dead-letter queue and fail the job either); the store logs it.
     * Jobs stored before fingerprints existed carry none and are claimed as before.
     */
    List<ClaimResult> claimEnvelopes(List<JobEnvelope> envelopes, String owner, Instant leaseUntil, Instant now);

    /** {@link #complete} for many distinct jobs, one result each in order; a store may group the writes. */
    default List<CompleteResult> completeAll(List<Completion> completions, String owner, Instant now,
                                             Instant expiresAt) {
        List<CompleteResult> results = new ArrayList<>(completions.size());
        for (Completion c : completions) {
            if (c.resultRef() != null) {
                throw new UnsupportedOperationException("this store cannot keep a result reference");
            }
            results.add(complete(c.jobId(), owner, c.outcome(), now, expiresAt));
        }
        return results;
    }

    /**
     * One job's outcome, for {@link #completeAll}. With a {@code resultRef} (a {@link Outcome.Success} whose result
     * was put in the object store under that key) the item stores the key instead of the result. With a
     * {@code resultJson} (the success's result as JSON, already written by whoever measured it) the store writes
     * that text rather than writing the result again.
     */
    /**
     * A job's end as a runner writes it.
     *
     * @param similarity for a success answered by meaning (the semantic cache), the similarity of the texts; else null
     */
    record Completion(String jobId, Outcome outcome, String resultRef, String resultJson,
                      dev.ebb.core.cost.JobCost cost, Double similarity) {
        public Completion {
            if ((resultRef != null || resultJson != null || similarity != null)
                    && !(outcome instanceof Outcome.Success)) {
                throw new IllegalArgumentException("only a success has a result to store");
            }
        }

        public Completion(String jobId, Outcome outcome, String resultRef, String resultJson,
                          dev.ebb.core.cost.JobCost cost) {
            this(jobId, outcome, resultRef, resultJson, cost, null);
        }

        /** This completion, saying the job was answered by meaning at {@code value}. */
        public Completion withSimilarity(Double value) {
            return new Completion(jobId, outcome, resultRef, resultJson, cost, value);
        }

        public Completion(String jobId, Outcome outcome, String resultRef, String resultJson) {
            this(jobId, outcome, resultRef, resultJson, null);
        }

        public Completion(String jobId, Outcome outcome) {
            this(jobId, outcome, null, null);
        }

        /** This completion, writing what the job cost with it. */
        public Completion withCost(dev.ebb.core.cost.JobCost jobCost) {
            return new Completion(jobId, outcome, resultRef, resultJson, jobCost, similarity);
        }

        public Completion(String jobId, Outcome outcome, String resultRef) {
            this(jobId, outcome, resultRef, null);
        }
    }

    sealed interface CreateResult {
        record Created(Job job) implements CreateResult {
        }

        record AlreadyExists(Job existing) implements CreateResult {
        }
    }

    sealed interface ClaimResult {
        /** Held by the claimant until its lease ends. */
        record Claimed() implements ClaimResult {
        }

        /** The job has ended, expired or never existed: its message has nothing left to do. */
        record Finished(Optional<Job> job) implements ClaimResult {
        }

        /** Another owner holds an unexpired lease: leave the message for later. */
        record Leased(String owner, Instant leaseUntil) implements ClaimResult {
        }
    }

    sealed interface CompleteResult {
        record Completed() implements CompleteResult {
        }

        /** This owner no longer holds the job: it was cancelled, ended by another owner, or re-claimed. */
        record NotOwner(Optional<Job> current) implements CompleteResult {
        }
    }

    sealed interface CancelResult {
        record Cancelled(Job job) implements CancelResult {
        }

        record AlreadyFinished(Job job) implements CancelResult {
        }

        record NotFound() implements CancelResult {
        }
    }
}
