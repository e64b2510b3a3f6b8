package dev.ebb.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.cost.JobCost;
import dev.ebb.core.task.Lane;
import java.time.Instant;
import java.util.Objects;

/**
 * One job as stored. Components that a state has not reached yet are null: {@code startedAt}, {@code leaseOwner}
 * and {@code leaseUntil} before a claim; {@code finishedAt}, {@code result} and {@code error} before an end.
 *
 * @param requestHash  digest of the submitted request, to tell an idempotent replay from a reused key
 * @param expiresAt    when the item is gone (the table's TTL attribute); reads treat a past value as gone
 * @param inputRef     the object-store key of an input too large to keep inline (then {@code input} is null)
 * @param resultRef    the object-store key of a result too large to keep in the item (then {@code result} is null
 *                     as stored; {@code JobService} reads it back for the client)
 * @param lastError    the last failure a worker saw that left the job for another try (null if none was recorded)
 * @param crashedAlone runs of this job that ran alone and ended with their worker dying (the poison count)
 * @param runsAlone    whether the current (or last) claim started running the job alone (after a run that vanished)
 * @param partial      the text a streaming task has produced so far while the job runs (chat), or null
 * @param cost         what the job cost, written with its completion (null before, and for jobs ended otherwise)
 * @param similarity   for a job answered by meaning (the semantic cache), how similar its text was to the one whose
 *                     answer it was given; null for every other job
 */
public record Job(
        String jobId,
        String tenant,
        String task,
        Lane lane,
        String model,
        JsonNode input,
        JobStatus status,
        int attempts,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        JsonNode result,
        JobError error,
        String leaseOwner,
        Instant leaseUntil,
        String idempotencyKey,
        String requestHash,
        Instant expiresAt,
        String inputRef,
        String resultRef,
        LastError lastError,
        int crashedAlone,
        boolean runsAlone,
        String partial,
        JobCost cost,
        Double similarity) {

    public Job {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** A job not answered by meaning. */
    public Job(String jobId, String tenant, String task, Lane lane, String model, JsonNode input, JobStatus status,
               int attempts, Instant createdAt, Instant startedAt, Instant finishedAt, JsonNode result,
               JobError error, String leaseOwner, Instant leaseUntil, String idempotencyKey, String requestHash,
               Instant expiresAt, String inputRef, String resultRef, LastError lastError, int crashedAlone,
               boolean runsAlone, String partial, JobCost cost) {
        this(jobId, tenant, task, lane, model, input, status, attempts, createdAt, startedAt, finishedAt, result,
                error, leaseOwner, leaseUntil, idempotencyKey, requestHash, expiresAt, inputRef, resultRef, lastError,
                crashedAlone, runsAlone, partial, cost, (Double) null);
    }

    /** A job with no partial text and no recorded cost. */
    public Job(String jobId, String tenant, String task, Lane lane, String model, JsonNode input, JobStatus status,
               int attempts, Instant createdAt, Instant startedAt, Instant finishedAt, JsonNode result,
               JobError error, String leaseOwner, Instant leaseUntil, String idempotencyKey, String requestHash,
               Instant expiresAt, String inputRef, String resultRef, LastError lastError, int crashedAlone,
               boolean runsAlone) {
        this(jobId, tenant, task, lane, model, input, status, attempts, createdAt, startedAt, finishedAt, result,
                error, leaseOwner, leaseUntil, idempotencyKey, requestHash, expiresAt, inputRef, resultRef, lastError,
                crashedAlone, runsAlone, (String) null, (JobCost) null);
    }

    /** A job with partial text (a streaming one while it runs) and no recorded cost. */
    public Job(String jobId, String tenant, String task, Lane lane, String model, JsonNode input, JobStatus status,
               int attempts, Instant createdAt, Instant startedAt, Instant finishedAt, JsonNode result,
               JobError error, String leaseOwner, Instant leaseUntil, String idempotencyKey, String requestHash,
               Instant expiresAt, String inputRef, String resultRef, LastError lastError, int crashedAlone,
               boolean runsAlone, String partial) {
        this(jobId, tenant, task, lane, model, input, status, attempts, createdAt, startedAt, finishedAt, result,
                error, leaseOwner, leaseUntil, idempotencyKey, requestHash, expiresAt, inputRef, resultRef, lastError,
                crashedAlone, runsAlone, partial, (JobCost) null);
    }

    /** A job with a recorded cost and no partial text. */
    public Job(String jobId, String tenant, String task, Lane lane, String model, JsonNode input, JobStatus status,
               int attempts, Instant createdAt, Instant startedAt, Instant finishedAt, JsonNode result,
               JobError error, String leaseOwner, Instant leaseUntil, String idempotencyKey, String requestHash,
               Instant expiresAt, String inputRef, String resultRef, LastError lastError, int crashedAlone,
               boolean runsAlone, JobCost cost) {
        this(jobId, tenant, task, lane, model, input, status, attempts, createdAt, startedAt, finishedAt, result,
                error, leaseOwner, leaseUntil, idempotencyKey, requestHash, expiresAt, inputRef, resultRef, lastError,
                crashedAlone, runsAlone, (String) null, cost);
    }

    /** A job whose input is inline (or absent): no object-store reference. */
    public Job(String jobId, String tenant, String task, Lane lane, String model, JsonNode input, JobStatus status,
               int attempts, Instant createdAt, Instant startedAt, Instant finishedAt, JsonNode result,
               JobError error, String leaseOwner, Instant leaseUntil, String idempotencyKey, String requestHash,
               Instant expiresAt) {
        this(jobId, tenant, task, lane, model, input, status, attempts, createdAt, startedAt, finishedAt, result,
                error, leaseOwner, leaseUntil, idempotencyKey, requestHash, expiresAt, null, null, null, 0, false);
    }

    /** The same job with its input kept in the object store under {@code ref} instead of inline. */
    public Job withInputRef(String ref) {
        return new Job(jobId, tenant, task, lane, model, null, status, attempts, createdAt, startedAt, finishedAt,
                result, error, leaseOwner, leaseUntil, idempotencyKey, requestHash, expiresAt, ref, resultRef,
                lastError, crashedAlone, runsAlone, partial, cost, similarity);
    }

    /** The same job with its result in hand (read from the object store where the item holds only its key). */
    public Job withResult(JsonNode value) {
        return new Job(jobId, tenant, task, lane, model, input, status, attempts, createdAt, startedAt, finishedAt,
                value, error, leaseOwner, leaseUntil, idempotencyKey, requestHash, expiresAt, inputRef, resultRef,
                lastError, crashedAlone, runsAlone, partial, cost, similarity);
    }

    /** A new job, as the submit path writes it. */
    public static Job queued(String jobId, String tenant, String task, Lane lane, String model, JsonNode input,
                             String idempotencyKey, String requestHash, Instant now, Instant expiresAt) {
        return new Job(jobId, tenant, task, lane, model, input, JobStatus.QUEUED, 0, now, null, null, null, null,
                null, null, idempotencyKey, requestHash, expiresAt);
    }

    public boolean isExpired(Instant now) {
        return !expiresAt.isAfter(now);
    }
}
