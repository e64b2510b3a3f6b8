package dev.ebb.core.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ebb.core.Json;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The cache table: {@code cacheKey} → {@code result} (JSON text), {@code computeMs}, {@code storedAt} (epoch ms),
 * {@code expiresAt} (epoch seconds, the TTL). One {@code GetItem} per lookup (eventually consistent: a result written
 * a moment ago may be missed once, which only costs a run), one {@code PutItem} per write.
 */
public final class DynamoDbResultCache implements ResultCache {
    static final String KEY = "cacheKey";
    static final String RESULT = "result";
    static final String COMPUTE_MS = "computeMs";
    static final String STORED_AT = "storedAt";
    static final String EXPIRES_AT = "expiresAt";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbResultCache(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public Optional<CachedResult> get(String key, Instant now) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table)
                .key(Map.of(KEY, AttributeValue.fromS(key)))).item();
        if (item == null || item.isEmpty() || !item.containsKey(RESULT)) {
            return Optional.empty();
        }
        CachedResult entry;
        try {
            entry = new CachedResult(Json.MAPPER.readTree(item.get(RESULT).s()),
                    Long.parseLong(item.get(COMPUTE_MS).n()),
                    Instant.ofEpochMilli(Long.parseLong(item.get(STORED_AT).n())),
                    Instant.ofEpochSecond(Long.parseLong(item.get(EXPIRES_AT).n())));
        } catch (JsonProcessingException | RuntimeException e) {
            return Optional.empty(); // an entry this version cannot read is a miss; the next run replaces it
        }
        return entry.isExpired(now) ? Optional.empty() : Optional.of(entry);
    }

    @Override
    public void put(String key, CachedResult entry) {
        dynamoDb.putItem(r -> r.tableName(table).item(Map.of(
                KEY, AttributeValue.fromS(key),
                RESULT, AttributeValue.fromS(Json.write(entry.result())),
                COMPUTE_MS, AttributeValue.fromN(Long.toString(entry.computeMs())),
                STORED_AT, AttributeValue.fromN(Long.toString(entry.storedAt().toEpochMilli())),
                EXPIRES_AT, AttributeValue.fromN(Long.toString(entry.expiresAt().getEpochSecond())))));
    }
}
