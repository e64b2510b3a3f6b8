package dev.ebb.core.job;

import static dev.ebb.core.job.JobItems.ATTEMPTS;
import static dev.ebb.core.job.JobItems.CRASHED_ALONE;
import static dev.ebb.core.job.JobItems.RUNS_ALONE;
import static dev.ebb.core.job.JobItems.PARTIAL;
import static dev.ebb.core.job.JobItems.ERROR_CODE;
import static dev.ebb.core.job.JobItems.ERROR_MESSAGE;
import static dev.ebb.core.job.JobItems.EXPIRES_AT;
import static dev.ebb.core.job.JobItems.FINISHED_AT;
import static dev.ebb.core.job.JobItems.JOB_ID;
import static dev.ebb.core.job.JobItems.LEASE_OWNER;
import static dev.ebb.core.job.JobItems.LAST_ERROR;
import static dev.ebb.core.job.JobItems.LEASE_UNTIL;
import static dev.ebb.core.job.JobItems.RESULT;
import static dev.ebb.core.job.JobItems.RESULT_REF;
import static dev.ebb.core.job.JobItems.STARTED_AT;
import static dev.ebb.core.job.JobItems.STATUS;
import static dev.ebb.core.job.JobItems.TENANT;
import static dev.ebb.core.job.JobItems.epochSeconds;
import static dev.ebb.core.job.JobItems.millis;
import static dev.ebb.core.job.JobItems.n;
import static dev.ebb.core.job.JobItems.s;

import dev.ebb.core.Json;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * {@link JobStore} on a DynamoDB table keyed by {@code jobId}, each transition one conditional write. The
 * {@code *All} operations group up to {@value #TRANSACTION_ITEMS} transitions into one TransactWriteItems: the
 * fastest way to write here (DynamoDB Local on disk does ~2,000 items/s that way against ~400 single writes/s).
 * A transaction is all or nothing, so when one of its conditions fails the others are written again without it
 * and the failed one is resolved on its own, through the single-item path that reads why.
 */
public final class DynamoDbJobStore implements JobStore {
    private static final Logger log = LoggerFactory.getLogger(DynamoDbJobStore.class);

    static final int TRANSACTION_ITEMS = 25;
    private static final String RUNNING = JobStatus.RUNNING.name();
    private static final String QUEUED = JobStatus.QUEUED.name();

    private final DynamoDbClient dynamoDb;
    private final String tableName;

    public DynamoDbJobStore(DynamoDbClient dynamoDb, String tableName) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
    }

    @Override
    public CreateResult create(Job job) {
        Put put = createPut(job);
        try {
            dynamoDb.putItem(r -> r.tableName(tableName)
                    .item(put.item())
                    .conditionExpression(put.conditionExpression())
                    .expressionAttributeNames(put.expressionAttributeNames())
                    .expressionAttributeValues(put.expressionAttributeValues())
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return new CreateResult.Created(job);
        } catch (ConditionalCheckFailedException e) {
            return oldItem(e, job.jobId())
                    .<CreateResult>map(CreateResult.AlreadyExists::new)
                    // Deleted between the put and the read: a retry of the put will find the key free.
                    .orElseGet(() -> create(job));
        }
    }

    /**
     * A transaction may touch an item only once, and two submits with one idempotency key share a job id: the first
     * of each id goes in the transaction, a repeat is resolved after it (and finds the job existing).
     */
    @Override
    public List<CreateResult> createAll(List<Job> jobs) {
        List<Job> distinct = new ArrayList<>(jobs.size());
        List<Integer> repeats = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < jobs.size(); i++) {
            if (seen.add(jobs.get(i).jobId())) {
                distinct.add(jobs.get(i));
            } else {
                repeats.add(i);
            }
        }
        List<CreateResult> written = transact(distinct.size(),
                i -> TransactWriteItem.builder().put(createPut(distinct.get(i))).build(),
                i -> new CreateResult.Created(distinct.get(i)),
                i -> create(distinct.get(i)));
        if (repeats.isEmpty()) {
            return written;
        }
        List<CreateResult> results = new ArrayList<>(jobs.size());
        int next = 0;
        for (int i = 0; i < jobs.size(); i++) {
            results.add(repeats.contains(i) ? null : written.get(next++));
        }
        repeats.forEach(i -> results.set(i, create(jobs.get(i))));
        return results;
    }

    /** An expired item can linger until DynamoDB deletes it; it does not block its key. */
    private Put createPut(Job job) {
        return Put.builder().tableName(tableName)
                .item(JobItems.toItem(job))
                .conditionExpression("attribute_not_exists(#id) OR #expiresAt <= :nowSec")
                .expressionAttributeNames(Map.of("#id", JOB_ID, "#expiresAt", EXPIRES_AT))
                .expressionAttributeValues(Map.of(":nowSec", epochSeconds(job.createdAt())))
                .build();
    }

    @Override
    public Optional<Job> find(String jobId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(tableName)
                .key(JobItems.key(jobId))
                .consistentRead(true)).item();
        return alive(item, Instant.now());
    }

    @Override
    public ClaimResult claim(String jobId, String owner, Instant leaseUntil, Instant now) {
        try {
            dynamoDb.updateItem(single(claimUpdate(jobId, owner, leaseUntil, now)));
            return new ClaimResult.Claimed();
        } catch (ConditionalCheckFailedException e) {
            Optional<Job> current = oldItem(e, jobId);
            if (current.isEmpty() || current.get().isExpired(now) || current.get().status().isTerminal()) {
                return new ClaimResult.Finished(current);
            }
            return new ClaimResult.Leased(current.get().leaseOwner(), current.get().leaseUntil());
        }
    }

    @Override
    public List<ClaimResult> claimAll(List<String> jobIds, String owner, Instant leaseUntil, Instant now) {
        return transact(jobIds.size(),
                i -> TransactWriteItem.builder().update(claimUpdate(jobIds.get(i), owner, leaseUntil, now)).build(),
                i -> new ClaimResult.Claimed(),
                i -> claim(jobIds.get(i), owner, leaseUntil, now));
    }

    @Override
    public List<ClaimResult> claimEnvelopes(List<JobEnvelope> envelopes, String owner, Instant leaseUntil,
                                            Instant now) {
        List<String> fingerprints = envelopes.stream().map(JobEnvelope::fingerprint).toList();
        return transact(envelopes.size(),
                i -> TransactWriteItem.builder().update(claimUpdate(envelopes.get(i).jobId(), owner, leaseUntil, now,
                        fingerprints.get(i))).build(),
                i -> new ClaimResult.Claimed(),
                i -> claimMatching(envelopes.get(i).jobId(), fingerprints.get(i), owner, leaseUntil, now));
    }

    /** {@link #claim}, on condition that the stored job's fingerprint is {@code fingerprint}. */
    private ClaimResult claimMatching(String jobId, String fingerprint, String owner, Instant leaseUntil,
                                      Instant now) {
        try {
            dynamoDb.updateItem(single(claimUpdate(jobId, owner, leaseUntil, now, fingerprint)));
            return new ClaimResult.Claimed();
        } catch (ConditionalCheckFailedException e) {
            Optional<Job> current = oldItem(e, jobId);
            if (current.isEmpty() || current.get().isExpired(now) || current.get().status().isTerminal()) {
                return new ClaimResult.Finished(current);
            }
            Job job = current.get();
            boolean claimable = job.status() == JobStatus.QUEUED
                    || (job.status() == JobStatus.RUNNING && job.leaseUntil() != null && job.leaseUntil().isBefore(now));
            if (claimable) {
                // Only the fingerprint can have failed: the message is not this job's. Left untouched, dropped.
                log.warn("claim refused for jobId={}: the message's tenant, task, model or input is not the stored "
                        + "job's; the job is left as it is and the message deleted", jobId);
                return new ClaimResult.Finished(current);
            }
            return new ClaimResult.Leased(job.leaseOwner(), job.leaseUntil());
        }
    }

    @Override
    public CompleteResult complete(String jobId, String owner, Outcome outcome, Instant now, Instant expiresAt) {
        return complete(new Completion(jobId, outcome), owner, now, expiresAt);
    }

    private CompleteResult complete(Completion completion, String owner, Instant now, Instant expiresAt) {
        try {
            dynamoDb.updateItem(single(completeUpdate(completion, owner, now, expiresAt)));
            return new CompleteResult.Completed();
        } catch (ConditionalCheckFailedException e) {
            return new CompleteResult.NotOwner(oldItem(e, completion.jobId()));
        }
    }

    @Override
    public List<CompleteResult> completeAll(List<Completion> completions, String owner, Instant now,
                                            Instant expiresAt) {
        return transact(completions.size(),
                i -> TransactWriteItem.builder().update(completeUpdate(completions.get(i), owner, now, expiresAt))
                        .build(),
                i -> new CompleteResult.Completed(),
                i -> complete(completions.get(i), owner, now, expiresAt));
    }

    /** QUEUED, or RUNNING with a lapsed lease, and not expired → RUNNING for {@code owner}, one more attempt. */
    private Update claimUpdate(String jobId, String owner, Instant leaseUntil, Instant now) {
        return claimUpdate(jobId, owner, leaseUntil, now, null);
    }

    /** ... and, where {@code fingerprint} is given, the stored job is the message's (or predates fingerprints). */
    private Update claimUpdate(String jobId, String owner, Instant leaseUntil, Instant now, String fingerprint) {
        Names names = new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL).add(STARTED_AT).add(ATTEMPTS)
                .add(EXPIRES_AT).add(JOB_ID).add(RUNS_ALONE)
                .add(JobItems.QUEUED_LANE).add(JobItems.QUEUED_AT);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":running", s(RUNNING),
                ":queued", s(QUEUED),
                ":owner", s(owner),
                ":until", millis(leaseUntil),
                ":now", millis(now),
                ":nowSec", epochSeconds(now),
                ":one", n(1)));
        String condition = "attribute_exists(#jobId) AND #expiresAt > :nowSec AND "
                + "(#status = :queued OR (#status = :running AND #leaseUntil < :now))";
        if (fingerprint != null) {
            names.add(JobItems.ENVELOPE_HASH);
            values.put(":fingerprint", s(fingerprint));
            condition += " AND (attribute_not_exists(#envelopeHash) OR #envelopeHash = :fingerprint)";
        }
        return Update.builder().tableName(tableName).key(JobItems.key(jobId))
                .expressionAttributeNames(names.map)
                .expressionAttributeValues(values)
                .updateExpression("SET #status = :running, #leaseOwner = :owner, #leaseUntil = :until, "
                        + "#startedAt = :now ADD #attempts :one REMOVE #runsAlone, #queuedLane, #queuedAt")
                .conditionExpression(condition)
                .build();
    }

    /**
     * RUNNING under {@code seen}'s lapsed lease, still held by that claim, not expired → RUNNING for {@code owner},
     * to run alone, with {@code crashedAlone}; {@code runsAlone} is set, and the attempt counted, only when the run
     * starts ({@link #startAlone}), so a claim that never ran is not a run. Lost to another claimant: Leased (or
     * Finished).
     */
    @Override
    public ClaimResult claimAlone(Job seen, String owner, Instant leaseUntil, Instant now, int crashedAlone) {
        Names names = new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL).add(STARTED_AT)
                .add(EXPIRES_AT).add(CRASHED_ALONE).add(RUNS_ALONE);
        try {
            dynamoDb.updateItem(update(seen.jobId(), names, Map.of(
                            ":running", s(RUNNING),
                            ":seen", s(seen.leaseOwner()),
                            ":owner", s(owner),
                            ":until", millis(leaseUntil),
                            ":now", millis(now),
                            ":nowSec", epochSeconds(now),
                            ":crashed", n(crashedAlone)))
                    .updateExpression("SET #status = :running, #leaseOwner = :owner, #leaseUntil = :until, "
                            + "#startedAt = :now, #crashedAlone = :crashed REMOVE #runsAlone")
                    .conditionExpression("#status = :running AND #leaseOwner = :seen AND #leaseUntil < :now AND "
                            + "#expiresAt > :nowSec")
                    .build());
            return new ClaimResult.Claimed();
        } catch (ConditionalCheckFailedException e) {
            Optional<Job> current = oldItem(e, seen.jobId());
            if (current.isEmpty() || current.get().isExpired(now) || current.get().status().isTerminal()) {
                return new ClaimResult.Finished(current);
            }
            return new ClaimResult.Leased(current.get().leaseOwner(), current.get().leaseUntil());
        }
    }

    /**
     * RUNNING and held by {@code owner} → SUCCEEDED with the result (or the key of the object that holds it), or
     * FAILED with the error.
     */
    private Update completeUpdate(Completion completion, String owner, Instant now, Instant expiresAt) {
        String jobId = completion.jobId();
        Outcome outcome = completion.outcome();
        Names names = new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL).add(FINISHED_AT).add(EXPIRES_AT);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":running", s(RUNNING),
                ":owner", s(owner),
                ":now", millis(now),
                ":nowSec", epochSeconds(now),
                ":expires", epochSeconds(expiresAt)));
        String set;
        switch (outcome) {
            case Outcome.Success success when completion.resultRef() != null -> {
                names.add(RESULT_REF);
                values.put(":status", s(JobStatus.SUCCEEDED.name()));
                values.put(":ref", s(completion.resultRef()));
                set = "SET #status = :status, #finishedAt = :now, #expiresAt = :expires, #resultRef = :ref";
            }
            case Outcome.Success success -> {
                names.add(RESULT);
                values.put(":status", s(JobStatus.SUCCEEDED.name()));
                values.put(":result", s(completion.resultJson() != null ? completion.resultJson()
                        : Json.write(success.result())));
                set = "SET #status = :status, #finishedAt = :now, #expiresAt = :expires, #result = :result";
            }
            case Outcome.Failure failure -> {
                names.add(ERROR_CODE).add(ERROR_MESSAGE);
                values.put(":status", s(JobStatus.FAILED.name()));
                values.put(":code", s(failure.code()));
                values.put(":message", s(failure.message()));
                set = "SET #status = :status, #finishedAt = :now, #expiresAt = :expires, "
                        + "#errorCode = :code, #errorMessage = :message";
            }
            case Outcome.Retry retry -> throw new IllegalArgumentException(
                    "jobId=" + jobId + ": a retry is not a completion (the runner releases such a job)");
        }
        if (completion.similarity() != null) {
            names.add(JobItems.SIMILARITY);
            values.put(":similarity", AttributeValue.fromN(Double.toString(completion.similarity())));
            set += ", #similarity = :similarity";
        }
        if (completion.cost() != null) {
            names.add(JobItems.COST);
            values.put(":cost", JobItems.cost(completion.cost()));
            set += ", #cost = :cost";
        }
        return Update.builder().tableName(tableName).key(JobItems.key(jobId))
                .expressionAttributeNames(names.map)
                .expressionAttributeValues(values)
                .updateExpression(set + " REMOVE #leaseOwner, #leaseUntil")
                // Not past its TTL: a completion must not give an expired item (one DynamoDB may delete any moment,
                // and reads already treat as gone) a new life.
                .conditionExpression("#status = :running AND #leaseOwner = :owner AND #expiresAt > :nowSec")
                .build();
    }

    private UpdateItemRequest single(Update update) {
        return UpdateItemRequest.builder()
                .tableName(update.tableName())
                .key(update.key())
                .updateExpression(update.updateExpression())
                .conditionExpression(update.conditionExpression())
                .expressionAttributeNames(update.expressionAttributeNames())
                .expressionAttributeValues(update.expressionAttributeValues())
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /**
     * Writes {@code count} transitions in transactions of up to {@value #TRANSACTION_ITEMS}. Where a transaction
     * is cancelled, the items whose condition failed are resolved {@code alone} and the rest are written again;
     * a cancellation that names no failed condition (a conflict with another transaction) resolves all its items
     * alone, so progress never depends on a retry loop.
     */
    private <R> List<R> transact(int count, IntFunction<TransactWriteItem> item, IntFunction<R> written,
                                 IntFunction<R> alone) {
        List<R> results = new ArrayList<>(java.util.Collections.nCopies(count, (R) null));
        for (int from = 0; from < count; from += TRANSACTION_ITEMS) {
            List<Integer> pending = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + TRANSACTION_ITEMS); i++) {
                pending.add(i);
            }
            while (!pending.isEmpty()) {
                if (pending.size() == 1) {
                    results.set(pending.get(0), alone.apply(pending.get(0)));
                    break;
                }
                List<TransactWriteItem> items = pending.stream().map(item::apply).toList();
                try {
                    dynamoDb.transactWriteItems(r -> r.transactItems(items));
                    pending.forEach(i -> results.set(i, written.apply(i)));
                    break;
                } catch (TransactionCanceledException e) {
                    List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
                    List<Integer> retry = new ArrayList<>();
                    for (int k = 0; k < pending.size(); k++) {
                        String code = k < reasons.size() ? reasons.get(k).code() : null;
                        if ("ConditionalCheckFailed".equals(code)) {
                            results.set(pending.get(k), alone.apply(pending.get(k)));
                        } else {
                            retry.add(pending.get(k));
                        }
                    }
                    if (retry.size() == pending.size()) {
                        retry.forEach(i -> results.set(i, alone.apply(i)));
                        retry.clear();
                    }
                    pending = retry;
                }
            }
        }
        return results;
    }

    @Override
    public CancelResult cancel(String tenant, String jobId, Instant now, Instant expiresAt) {
        return cancel(tenant, jobId, now, expiresAt, "#status IN (:queued, :running)");
    }

    @Override
    public CancelResult cancelQueued(String tenant, String jobId, Instant now, Instant expiresAt) {
        return cancel(tenant, jobId, now, expiresAt, "#status = :queued");
    }

    private CancelResult cancel(String tenant, String jobId, Instant now, Instant expiresAt, String fromStatus) {
        Names names = new Names().add(STATUS).add(TENANT).add(FINISHED_AT).add(EXPIRES_AT).add(LEASE_OWNER)
                .add(LEASE_UNTIL).add(JOB_ID).add(JobItems.QUEUED_LANE).add(JobItems.QUEUED_AT);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":cancelled", s(JobStatus.CANCELLED.name()),
                ":queued", s(QUEUED),
                ":tenant", s(tenant),
                ":now", millis(now),
                ":nowSec", epochSeconds(now),
                ":expires", epochSeconds(expiresAt)));
        if (fromStatus.contains(":running")) {
            values.put(":running", s(RUNNING));
        }
        try {
            Map<String, AttributeValue> item = dynamoDb.updateItem(update(jobId, names, values)
                    .updateExpression("SET #status = :cancelled, #finishedAt = :now, #expiresAt = :expires "
                            + "REMOVE #leaseOwner, #leaseUntil, #queuedLane, #queuedAt")
                    .conditionExpression("attribute_exists(#jobId) AND #tenant = :tenant AND #expiresAt > :nowSec "
                            + "AND " + fromStatus)
                    .returnValues(ReturnValue.ALL_NEW)
                    .build()).attributes();
            return new CancelResult.Cancelled(JobItems.fromItem(item));
        } catch (ConditionalCheckFailedException e) {
            Optional<Job> current = oldItem(e, jobId).filter(job -> job.tenant().equals(tenant));
            if (current.isEmpty() || current.get().isExpired(now)) {
                return new CancelResult.NotFound();
            }
            return new CancelResult.AlreadyFinished(current.get());
        }
    }

    @Override
    public boolean extendLease(String jobId, String owner, Instant leaseUntil) {
        // A lease never outlives its item: an extension of an expired job (or one that would be by the lease's end)
        // is refused, so a worker stops holding what reads already treat as gone.
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":running", s(RUNNING));
        values.put(":owner", s(owner));
        values.put(":until", millis(leaseUntil));
        values.put(":untilSec", epochSeconds(leaseUntil));
        try {
            dynamoDb.updateItem(update(jobId, new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL)
                    .add(EXPIRES_AT), values)
                    .updateExpression("SET #leaseUntil = :until")
                    .conditionExpression("#status = :running AND #leaseOwner = :owner AND #expiresAt > :untilSec")
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean startAlone(String jobId, String owner) {
        return updateHeld(jobId, owner, "SET #runsAlone = :alone ADD #attempts :one",
                Map.of(":alone", AttributeValue.fromBool(true), ":one", n(1)), RUNS_ALONE, ATTEMPTS);
    }

    @Override
    public boolean writePartial(String jobId, String text) {
        try {
            dynamoDb.updateItem(update(jobId, new Names().add(STATUS).add(PARTIAL),
                    Map.of(":running", s(RUNNING), ":text", s(text)))
                    .updateExpression("SET #partial = :text")
                    .conditionExpression("#status = :running")
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean release(String jobId, String owner) {
        return updateHeld(jobId, owner, "SET #status = :queued REMOVE #leaseOwner, #leaseUntil, #partial",
                Map.of(":queued", s(QUEUED)), PARTIAL);
    }

    /** An update of a job that {@code owner} holds (RUNNING under its lease); false when it does not hold it. */
    private boolean updateHeld(String jobId, String owner, String updateExpression,
                               Map<String, AttributeValue> values, String... moreNames) {
        Map<String, AttributeValue> all = new HashMap<>(values);
        all.put(":running", s(RUNNING));
        all.put(":owner", s(owner));
        Names names = new Names().add(STATUS).add(LEASE_OWNER);
        if (updateExpression.contains("#" + LEASE_UNTIL)) {
            names.add(LEASE_UNTIL); // an unused name is refused
        }
        for (String name : moreNames) {
            names.add(name);
        }
        try {
            dynamoDb.updateItem(update(jobId, names, all)
                    .updateExpression(updateExpression)
                    .conditionExpression("#status = :running AND #leaseOwner = :owner")
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Not ended and not expired → lastError set; one write, no read (a diagnostic, not a transition). */
    @Override
    public boolean recordError(String jobId, LastError error) {
        try {
            dynamoDb.updateItem(r -> r.tableName(tableName)
                    .key(JobItems.key(jobId))
                    .expressionAttributeNames(new Names().add(STATUS).add(EXPIRES_AT).add(LAST_ERROR).map)
                    .expressionAttributeValues(Map.of(
                            ":error", JobItems.lastError(error),
                            ":queued", s(QUEUED),
                            ":running", s(RUNNING),
                            ":nowSec", epochSeconds(error.at())))
                    .updateExpression("SET #lastError = :error")
                    .conditionExpression("#status IN (:queued, :running) AND #expiresAt > :nowSec"));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Set on a QUEUED job by an idempotent replay before it answers 202 for it: from then on the creating submit's
     * undo ({@link #deleteQueued}) leaves the job alone. Never read into a {@link Job}.
     */
    static final String REPLAYED = "replayed";

    @Override
    public boolean markReplayed(String jobId) {
        try {
            dynamoDb.updateItem(r -> r.tableName(tableName)
                    .key(JobItems.key(jobId))
                    .updateExpression("SET #replayed = :true")
                    .conditionExpression("#status = :queued")
                    .expressionAttributeNames(Map.of("#status", STATUS, "#replayed", REPLAYED))
                    .expressionAttributeValues(Map.of(":queued", s(QUEUED),
                            ":true", AttributeValue.fromBool(true))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean deleteQueued(String jobId) {
        try {
            dynamoDb.deleteItem(r -> r.tableName(tableName)
                    .key(JobItems.key(jobId))
                    // Not a job a replay has answered 202 for (markReplayed).
                    .conditionExpression("#status = :queued AND attribute_not_exists(#replayed)")
                    .expressionAttributeNames(Map.of("#status", STATUS, "#replayed", REPLAYED))
                    .expressionAttributeValues(Map.of(":queued", s(QUEUED))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public List<String> queuedBefore(Lane lane, Instant before, int limit) {
        List<String> jobIds = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamoDb.query(r -> r.tableName(tableName).indexName(QueuedIndex.NAME)
                    .keyConditionExpression("#lane = :lane AND #at < :before")
                    .expressionAttributeNames(Map.of("#lane", QueuedIndex.LANE, "#at", QueuedIndex.AT))
                    .expressionAttributeValues(Map.of(":lane", s(lane.id()), ":before", millis(before)))
                    .limit(limit - jobIds.size())
                    .exclusiveStartKey(from));
            page.items().forEach(item -> jobIds.add(item.get(JOB_ID).s()));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && jobIds.size() < limit);
        return jobIds;
    }

    @Override
    public boolean markResent(String jobId, Instant now) {
        try {
            dynamoDb.updateItem(update(jobId, new Names().add(STATUS).add(JobItems.QUEUED_AT)
                            .add(JobItems.QUEUED_LANE).add(EXPIRES_AT),
                    Map.of(":queued", s(QUEUED), ":now", millis(now), ":nowSec", epochSeconds(now)))
                    .updateExpression("SET #queuedAt = :now")
                    .conditionExpression("#status = :queued AND attribute_exists(#queuedLane) AND #expiresAt > :nowSec")
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** A single-item update that returns the item it found when its condition fails. */
    private UpdateItemRequest.Builder update(String jobId, Names names, Map<String, AttributeValue> values) {
        return UpdateItemRequest.builder()
                .tableName(tableName)
                .key(JobItems.key(jobId))
                .expressionAttributeNames(names.map)
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
    }

    /** The item a failed condition saw; read again (consistently) where the server did not return it. */
    private Optional<Job> oldItem(ConditionalCheckFailedException e, String jobId) {
        if (e.hasItem() && !e.item().isEmpty()) {
            return Optional.of(JobItems.fromItem(e.item()));
        }
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(tableName)
                .key(JobItems.key(jobId))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(JobItems.fromItem(item));
    }

    private static Optional<Job> alive(Map<String, AttributeValue> item, Instant now) {
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        Job job = JobItems.fromItem(item);
        return job.isExpired(now) ? Optional.empty() : Optional.of(job);
    }

    /** Expression attribute names: every attribute goes through {@code #name}, so reserved words never bite. */
    private static final class Names {
        private final Map<String, String> map = new HashMap<>();

        Names add(String attribute) {
            map.put("#" + attribute, attribute);
            return this;
        }
    }
}
