package dev.ebb.core.job;

import static dev.ebb.core.job.JobItems.ATTEMPTS;
import static dev.ebb.core.job.JobItems.ERROR_CODE;
import static dev.ebb.core.job.JobItems.ERROR_MESSAGE;
import static dev.ebb.core.job.JobItems.EXPIRES_AT;
import static dev.ebb.core.job.JobItems.FINISHED_AT;
import static dev.ebb.core.job.JobItems.JOB_ID;
import static dev.ebb.core.job.JobItems.LEASE_OWNER;
import static dev.ebb.core.job.JobItems.LEASE_UNTIL;
import static dev.ebb.core.job.JobItems.RESULT;
import static dev.ebb.core.job.JobItems.STARTED_AT;
import static dev.ebb.core.job.JobItems.STATUS;
import static dev.ebb.core.job.JobItems.TENANT;
import static dev.ebb.core.job.JobItems.epochSeconds;
import static dev.ebb.core.job.JobItems.millis;
import static dev.ebb.core.job.JobItems.n;
import static dev.ebb.core.job.JobItems.s;

import dev.ebb.core.Json;
import dev.ebb.core.task.Outcome;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** {@link JobStore} on a DynamoDB table keyed by {@code jobId}, each transition one conditional write. */
public final class DynamoDbJobStore implements JobStore {
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
        try {
            // An expired item can linger until DynamoDB deletes it; it does not block its key.
            dynamoDb.putItem(r -> r.tableName(tableName)
                    .item(JobItems.toItem(job))
                    .conditionExpression("attribute_not_exists(#id) OR #expiresAt <= :nowSec")
                    .expressionAttributeNames(Map.of("#id", JOB_ID, "#expiresAt", EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":nowSec", epochSeconds(job.createdAt())))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return new CreateResult.Created(job);
        } catch (ConditionalCheckFailedException e) {
            return oldItem(e, job.jobId())
                    .<CreateResult>map(CreateResult.AlreadyExists::new)
                    // Deleted between the put and the read: a retry of the put will find the key free.
                    .orElseGet(() -> create(job));
        }
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
        Names names = new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL).add(STARTED_AT).add(ATTEMPTS)
                .add(EXPIRES_AT).add(JOB_ID);
        Map<String, AttributeValue> values = Map.of(
                ":running", s(RUNNING),
                ":queued", s(QUEUED),
                ":owner", s(owner),
                ":until", millis(leaseUntil),
                ":now", millis(now),
                ":nowSec", epochSeconds(now),
                ":one", n(1));
        try {
            Map<String, AttributeValue> item = dynamoDb.updateItem(update(jobId, names, values)
                    .updateExpression("SET #status = :running, #leaseOwner = :owner, #leaseUntil = :until, "
                            + "#startedAt = :now ADD #attempts :one")
                    .conditionExpression("attribute_exists(#jobId) AND #expiresAt > :nowSec AND "
                            + "(#status = :queued OR (#status = :running AND #leaseUntil < :now))")
                    .returnValues(ReturnValue.ALL_NEW)
                    .build()).attributes();
            return new ClaimResult.Claimed(JobItems.fromItem(item));
        } catch (ConditionalCheckFailedException e) {
            Optional<Job> current = oldItem(e, jobId);
            if (current.isEmpty() || current.get().isExpired(now) || current.get().status().isTerminal()) {
                return new ClaimResult.Finished(current);
            }
            return new ClaimResult.Leased(current.get().leaseOwner(), current.get().leaseUntil());
        }
    }

    @Override
    public CompleteResult complete(String jobId, String owner, Outcome outcome, Instant now, Instant expiresAt) {
        Names names = new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL).add(FINISHED_AT).add(EXPIRES_AT);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":running", s(RUNNING),
                ":owner", s(owner),
                ":now", millis(now),
                ":expires", epochSeconds(expiresAt)));
        String set;
        switch (outcome) {
            case Outcome.Success success -> {
                names.add(RESULT);
                values.put(":status", s(JobStatus.SUCCEEDED.name()));
                values.put(":result", s(Json.write(success.result())));
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
        try {
            Map<String, AttributeValue> item = dynamoDb.updateItem(update(jobId, names, values)
                    .updateExpression(set + " REMOVE #leaseOwner, #leaseUntil")
                    .conditionExpression("#status = :running AND #leaseOwner = :owner")
                    .returnValues(ReturnValue.ALL_NEW)
                    .build()).attributes();
            return new CompleteResult.Completed(JobItems.fromItem(item));
        } catch (ConditionalCheckFailedException e) {
            return new CompleteResult.NotOwner(oldItem(e, jobId));
        }
    }

    @Override
    public CancelResult cancel(String tenant, String jobId, Instant now, Instant expiresAt) {
        Names names = new Names().add(STATUS).add(TENANT).add(FINISHED_AT).add(EXPIRES_AT).add(LEASE_OWNER)
                .add(LEASE_UNTIL).add(JOB_ID);
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
                            + "REMOVE #leaseOwner, #leaseUntil")
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
    public boolean release(String jobId, String owner) {
        Names names = new Names().add(STATUS).add(LEASE_OWNER).add(LEASE_UNTIL);
        try {
            dynamoDb.updateItem(update(jobId, names, Map.of(
                            ":running", s(RUNNING), ":queued", s(QUEUED), ":owner", s(owner)))
                    .updateExpression("SET #status = :queued REMOVE #leaseOwner, #leaseUntil")
                    .conditionExpression("#status = :running AND #leaseOwner = :owner")
                    .build());
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
