package dev.ebb.core.job;

import static dev.ebb.core.job.JobItems.ATTEMPTS;
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
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
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
        Names names = new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL).add(STARTED_AT).add(ATTEMPTS)
                .add(EXPIRES_AT).add(JOB_ID).add(JobItems.QUEUED_LANE).add(JobItems.QUEUED_AT);
        return Update.builder().tableName(tableName).key(JobItems.key(jobId))
                .expressionAttributeNames(names.map)
                .expressionAttributeValues(Map.of(
                        ":running", s(RUNNING),
                        ":queued", s(QUEUED),
                        ":owner", s(owner),
                        ":until", millis(leaseUntil),
                        ":now", millis(now),
                        ":nowSec", epochSeconds(now),
                        ":one", n(1)))
                .updateExpression("SET #status = :running, #leaseOwner = :owner, #leaseUntil = :until, "
                        + "#startedAt = :now ADD #attempts :one REMOVE #queuedLane, #queuedAt")
                .conditionExpression("attribute_exists(#jobId) AND #expiresAt > :nowSec AND "
                        + "(#status = :queued OR (#status = :running AND #leaseUntil < :now))")
                .build();
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
        }
        return Update.builder().tableName(tableName).key(JobItems.key(jobId))
                .expressionAttributeNames(names.map)
                .expressionAttributeValues(values)
                .updateExpression(set + " REMOVE #leaseOwner, #leaseUntil")
                .conditionExpression("#status = :running AND #leaseOwner = :owner")
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
        Names names = new Names().add(STATUS).add(TENANT).add(FINISHED_AT).add(EXPIRES_AT).add(LEASE_OWNER)
                .add(LEASE_UNTIL).add(JOB_ID).add(JobItems.QUEUED_LANE).add(JobItems.QUEUED_AT);
        Map<String, AttributeValue> values = Map.of(
                ":cancelled", s(JobStatus.CANCELLED.name()),
                ":queued", s(QUEUED),
                ":running", s(RUNNING),
                ":tenant", s(tenant),
                ":now", millis(now),
                ":nowSec", epochSeconds(now),
                ":expires", epochSeconds(expiresAt));
        try {
            Map<String, AttributeValue> item = dynamoDb.updateItem(update(jobId, names, values)
                    .updateExpression("SET #status = :cancelled, #finishedAt = :now, #expiresAt = :expires "
                            + "REMOVE #leaseOwner, #leaseUntil, #queuedLane, #queuedAt")
                    .conditionExpression("attribute_exists(#jobId) AND #tenant = :tenant AND #expiresAt > :nowSec "
                            + "AND #status IN (:queued, :running)")
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
        return updateHeld(jobId, owner, "SET #leaseUntil = :until", Map.of(":until", millis(leaseUntil)));
    }

    @Override
    public boolean release(String jobId, String owner) {
        return updateHeld(jobId, owner, "SET #status = :queued REMOVE #leaseOwner, #leaseUntil",
                Map.of(":queued", s(QUEUED)));
    }

    /** An update of a job that {@code owner} holds (RUNNING under its lease); false when it does not hold it. */
    private boolean updateHeld(String jobId, String owner, String updateExpression,
                               Map<String, AttributeValue> values) {
        Map<String, AttributeValue> all = new HashMap<>(values);
        all.put(":running", s(RUNNING));
        all.put(":owner", s(owner));
        try {
            dynamoDb.updateItem(update(jobId, new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL), all)
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

    @Override
    public boolean deleteQueued(String jobId) {
        try {
            dynamoDb.deleteItem(r -> r.tableName(tableName)
                    .key(JobItems.key(jobId))
                    .conditionExpression("#status = :queued")
                    .expressionAttributeNames(Map.of("#status", STATUS))
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
