package dev.ebb.core.job;

import static dev.ebb.core.job.JobItems.ERROR_CODE;
import static dev.ebb.core.job.JobItems.ERROR_MESSAGE;
import static dev.ebb.core.job.JobItems.EXPIRES_AT;
import static dev.ebb.core.job.JobItems.FINISHED_AT;
import static dev.ebb.core.job.JobItems.JOB_ID;
import static dev.ebb.core.job.JobItems.LANE;
import static dev.ebb.core.job.JobItems.LEASE_OWNER;
import static dev.ebb.core.job.JobItems.LEASE_UNTIL;
import static dev.ebb.core.job.JobItems.STATUS;
import static dev.ebb.core.job.JobItems.epochSeconds;
import static dev.ebb.core.job.JobItems.millis;
import static dev.ebb.core.job.JobItems.s;

import dev.ebb.core.task.Lane;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/** {@link DeadLetterStore} on the jobs table and its sparse {@link DeadLetterIndex}. */
public final class DynamoDbDeadLetterStore implements DeadLetterStore {
    private final DynamoDbClient dynamoDb;
    private final String tableName;

    public DynamoDbDeadLetterStore(DynamoDbClient dynamoDb, String tableName) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
    }

    @Override
    public MarkResult markDeadLettered(String jobId, Function<Job, String> message, Instant now, Instant expiresAt) {
        Optional<Job> current = read(jobId);
        if (current.isEmpty() || current.get().isExpired(now) || current.get().status().isTerminal()) {
            return new MarkResult.AlreadyEnded(current);
        }
        Job job = current.get();
        if (job.status() == JobStatus.RUNNING && job.leaseUntil() != null && !job.leaseUntil().isBefore(now)) {
            return new MarkResult.Held(job);
        }
        Map<String, String> names = names(STATUS, FINISHED_AT, EXPIRES_AT, ERROR_CODE, ERROR_MESSAGE, LEASE_OWNER,
                LEASE_UNTIL, JOB_ID, LANE, DeadLetterIndex.LANE, DeadLetterIndex.AT);
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":failed", s(JobStatus.FAILED.name()));
        values.put(":queued", s(JobStatus.QUEUED.name()));
        values.put(":running", s(JobStatus.RUNNING.name()));
        values.put(":now", millis(now));
        values.put(":nowSec", epochSeconds(now));
        values.put(":expires", epochSeconds(expiresAt));
        values.put(":code", s(CODE));
        values.put(":message", s(message.apply(job)));
        try {
            Map<String, AttributeValue> item = dynamoDb.updateItem(r -> r.tableName(tableName)
                    .key(JobItems.key(jobId))
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .updateExpression("SET #status = :failed, #finishedAt = :now, #expiresAt = :expires, "
                            + "#errorCode = :code, #errorMessage = :message, "
                            + "#deadLetterLane = #lane, #deadLetteredAt = :now REMOVE #leaseOwner, #leaseUntil")
                    .conditionExpression("attribute_exists(#jobId) AND #expiresAt > :nowSec AND "
                            + "(#status = :queued OR (#status = :running AND #leaseUntil < :now))")
                    .returnValues(ReturnValue.ALL_NEW)).attributes();
            return new MarkResult.Marked(JobItems.fromItem(item));
        } catch (ConditionalCheckFailedException e) {
            // Changed between the read and the write: claimed again, or ended.
            Optional<Job> now2 = read(jobId);
            return now2.isPresent() && !now2.get().status().isTerminal()
                    ? new MarkResult.Held(now2.get())
                    : new MarkResult.AlreadyEnded(now2);
        }
    }

    @Override
    public Page findMarked(Lane lane, int max, String after) {
        Map<String, AttributeValue> start = null;
        if (after != null) {
            int bar = after.indexOf('|');
            start = Map.of(JOB_ID, s(after.substring(0, bar)),
                    DeadLetterIndex.LANE, s(lane.id()),
                    DeadLetterIndex.AT, AttributeValue.fromN(after.substring(bar + 1)));
        }
        Map<String, AttributeValue> exclusiveStart = start;
        QueryResponse page = dynamoDb.query(r -> r.tableName(tableName)
                .indexName(DeadLetterIndex.NAME)
                .keyConditionExpression("#lane = :lane")
                .expressionAttributeNames(Map.of("#lane", DeadLetterIndex.LANE))
                .expressionAttributeValues(Map.of(":lane", s(lane.id())))
                .scanIndexForward(true)
                .limit(Math.max(1, max))
                .exclusiveStartKey(exclusiveStart));
        List<String> ids = page.items().stream().map(item -> item.get(JOB_ID).s()).toList();
        String next = null;
        if (page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()) {
            Map<String, AttributeValue> last = page.lastEvaluatedKey();
            next = last.get(JOB_ID).s() + "|" + last.get(DeadLetterIndex.AT).n();
        }
        return new Page(ids, next);
    }

    @Override
    public ReopenResult reopen(String jobId, Instant now, Instant expiresAt) {
        Map<String, String> names = names(STATUS, EXPIRES_AT, ERROR_CODE, ERROR_MESSAGE, FINISHED_AT,
                DeadLetterIndex.LANE, JobItems.CRASHED_ALONE, JobItems.RUNS_ALONE);
        Map<String, AttributeValue> values = Map.of(
                ":failed", s(JobStatus.FAILED.name()),
                ":queued", s(JobStatus.QUEUED.name()),
                ":code", s(CODE),
                ":nowSec", epochSeconds(now),
                ":expires", epochSeconds(expiresAt));
        try {
            Map<String, AttributeValue> item = dynamoDb.updateItem(r -> r.tableName(tableName)
                    .key(JobItems.key(jobId))
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .updateExpression("SET #status = :queued, #expiresAt = :expires "
                            + "REMOVE #errorCode, #errorMessage, #finishedAt, #crashedAlone, #runsAlone")
                    .conditionExpression("attribute_exists(#deadLetterLane) AND #status = :failed AND "
                            + "#errorCode = :code AND #expiresAt > :nowSec")
                    .returnValues(ReturnValue.ALL_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).attributes();
            return new ReopenResult.Queued(JobItems.fromItem(item));
        } catch (ConditionalCheckFailedException e) {
            Optional<Job> old = e.hasItem() && !e.item().isEmpty()
                    ? Optional.of(JobItems.fromItem(e.item())) : read(jobId);
            boolean marked = e.hasItem() && e.item().containsKey(DeadLetterIndex.LANE);
            if (old.isPresent() && marked && old.get().status() == JobStatus.QUEUED && !old.get().isExpired(now)) {
                return new ReopenResult.Queued(old.get());
            }
            return new ReopenResult.Skipped(old);
        }
    }

    @Override
    public void clearMark(String jobId) {
        try {
            dynamoDb.updateItem(r -> r.tableName(tableName)
                    .key(JobItems.key(jobId))
                    .expressionAttributeNames(names(JOB_ID, DeadLetterIndex.LANE, DeadLetterIndex.AT))
                    .updateExpression("REMOVE #deadLetterLane, #deadLetteredAt")
                    .conditionExpression("attribute_exists(#jobId)"));
        } catch (ConditionalCheckFailedException e) {
            // Gone: nothing to clear.
        }
    }

    private Optional<Job> read(String jobId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(tableName)
                .key(JobItems.key(jobId))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(JobItems.fromItem(item));
    }

    private static Map<String, String> names(String... attributes) {
        Map<String, String> names = new HashMap<>();
        for (String attribute : attributes) {
            names.put("#" + attribute, attribute);
        }
        return names;
    }
}
