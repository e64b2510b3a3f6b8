package dev.ebb.core.job;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * A tenant's jobs, newest first, through the jobs table's {@link TenantIndex}: a page of index keys (one query), then
 * the items themselves (one BatchGetItem of up to 100 keys), then the filters. Filters apply after the read, so a
 * page may hold fewer jobs than its limit while more follow; the position says where the next page starts.
 *
 * <p>Also marks the jobs that uploads created with their object key ({@value #UPLOAD_KEY}), so that a client can
 * find what an upload produced.
 */
public final class DynamoDbJobListing {
    /** The job item attribute (S) naming the uploaded object a job came from; absent on jobs submitted over HTTP. */
    public static final String UPLOAD_KEY = "uploadKey";
    /** Index keys read per page at most, whatever the filters leave: bounds a request's work. */
    static final int MAX_SCANNED = 500;

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    public DynamoDbJobListing(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.clock = clock;
    }

    /**
     * Where a page starts: after the job created at {@code createdAt} with id {@code jobId} (the index's order).
     */
    public record Position(long createdAt, String jobId) {
        public Position {
            Objects.requireNonNull(jobId, "jobId");
        }
    }

    /**
     * @param status    only jobs in this state, or null for all
     * @param uploadKey only jobs made from this uploaded object, or null for all
     * @param limit     most jobs in the page (1..100)
     * @param after     where to start, or null for the newest
     */
    public record Query(String tenant, JobStatus status, String uploadKey, int limit, Position after) {
        public Query {
            Objects.requireNonNull(tenant, "tenant");
            if (limit < 1 || limit > 100) {
                throw new IllegalArgumentException("limit must be 1..100, was " + limit);
            }
        }
    }

    /** A listed job with the upload it came from (null if none). */
    public record Listed(Job job, String uploadKey) {
    }

    /** @param next where the next page starts, or null when there are no more jobs */
    public record Page(List<Listed> jobs, Position next) {
        public Page {
            jobs = List.copyOf(jobs);
        }
    }

    public Page list(Query query) {
        Instant now = clock.instant();
        List<Listed> found = new ArrayList<>();
        Map<String, AttributeValue> start = query.after() == null ? null : Map.of(
                TenantIndex.TENANT, AttributeValue.fromS(query.tenant()),
                TenantIndex.CREATED_AT, AttributeValue.fromN(Long.toString(query.after().createdAt())),
                JobItems.JOB_ID, AttributeValue.fromS(query.after().jobId()));
        int scanned = 0;
        boolean filtered = query.status() != null || query.uploadKey() != null;
        while (true) {
            int want = filtered ? Math.min(100, MAX_SCANNED - scanned) : query.limit() - found.size();
            Map<String, AttributeValue> exclusiveStart = start;
            QueryResponse keys = dynamoDb.query(r -> r.tableName(table).indexName(TenantIndex.NAME)
                    .keyConditionExpression("#t = :t")
                    .expressionAttributeNames(Map.of("#t", TenantIndex.TENANT))
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromS(query.tenant())))
                    .scanIndexForward(false)
                    .limit(want)
                    .exclusiveStartKey(exclusiveStart));
            Map<String, Map<String, AttributeValue>> items = items(keys.items());
            for (Map<String, AttributeValue> key : keys.items()) {
                scanned++;
                Position here = new Position(Long.parseLong(key.get(TenantIndex.CREATED_AT).n()),
                        key.get(JobItems.JOB_ID).s());
                Map<String, AttributeValue> item = items.get(here.jobId());
                if (item != null && matches(item, query, now)) {
                    found.add(new Listed(JobItems.fromItem(item),
                            item.containsKey(UPLOAD_KEY) ? item.get(UPLOAD_KEY).s() : null));
                    if (found.size() == query.limit()) {
                        boolean more = keys.hasLastEvaluatedKey() && !keys.lastEvaluatedKey().isEmpty()
                                || key != keys.items().get(keys.items().size() - 1);
                        return new Page(found, more ? here : null);
                    }
                }
                start = Map.of(TenantIndex.TENANT, key.get(TenantIndex.TENANT),
                        TenantIndex.CREATED_AT, key.get(TenantIndex.CREATED_AT),
                        JobItems.JOB_ID, key.get(JobItems.JOB_ID));
                if (scanned >= MAX_SCANNED) {
                    boolean more = keys.hasLastEvaluatedKey() && !keys.lastEvaluatedKey().isEmpty()
                            || key != keys.items().get(keys.items().size() - 1);
                    return new Page(found, more ? here : null);
                }
            }
            if (!keys.hasLastEvaluatedKey() || keys.lastEvaluatedKey().isEmpty()) {
                return new Page(found, null);
            }
        }
    }

    /**
     * Marks the job as made from the uploaded object {@code key}. Idempotent; only a non-key attribute changes, so
     * the index is not written. Does nothing if the job is gone.
     */
    public void markUpload(String jobId, String key) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(JobItems.key(jobId))
                    .updateExpression("SET #u = :u")
                    .conditionExpression("attribute_exists(#id)")
                    .expressionAttributeNames(Map.of("#u", UPLOAD_KEY, "#id", JobItems.JOB_ID))
                    .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(key))));
        } catch (ConditionalCheckFailedException e) {
            // the job is gone (its submit was undone): nothing to mark
        }
    }

    private static boolean matches(Map<String, AttributeValue> item, Query query, Instant now) {
        AttributeValue expiresAt = item.get(JobItems.EXPIRES_AT);
        // The server deletes expired items late (or, locally, never): an expired job is gone.
        if (expiresAt != null && Long.parseLong(expiresAt.n()) <= now.getEpochSecond()) {
            return false;
        }
        if (!query.tenant().equals(item.get(JobItems.TENANT).s())) {
            return false;
        }
        if (query.status() != null && !query.status().name().equals(item.get(JobItems.STATUS).s())) {
            return false;
        }
        if (query.uploadKey() != null) {
            AttributeValue upload = item.get(UPLOAD_KEY);
            return upload != null && query.uploadKey().equals(upload.s());
        }
        return true;
    }

    /** The items of the given index keys, by job id (BatchGetItem, unprocessed keys retried). */
    private Map<String, Map<String, AttributeValue>> items(List<Map<String, AttributeValue>> indexKeys) {
        Map<String, Map<String, AttributeValue>> items = new HashMap<>();
        if (indexKeys.isEmpty()) {
            return items;
        }
        Map<String, KeysAndAttributes> request = new LinkedHashMap<>();
        request.put(table, KeysAndAttributes.builder()
                .keys(indexKeys.stream().map(k -> JobItems.key(k.get(JobItems.JOB_ID).s())).distinct().toList())
                .build());
        for (int round = 0; !request.isEmpty(); round++) {
            Map<String, KeysAndAttributes> pending = request;
            BatchGetItemResponse response = dynamoDb.batchGetItem(r -> r.requestItems(pending));
            response.responses().getOrDefault(table, List.of())
                    .forEach(item -> items.put(item.get(JobItems.JOB_ID).s(), item));
            request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            if (!request.isEmpty()) {
                pause(round);
            }
        }
        return items;
    }

    private static void pause(int round) {
        try {
            Thread.sleep(Math.min(1000, 20L << Math.min(round, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading jobs", e);
        }
    }
}
