package dev.ebb.core.auth;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/** Keys table: {@code keyHash} (the SHA-256 of the key) → tenant, creation time, a short key prefix for display. */
public final class DynamoDbApiKeyStore implements ApiKeyStore {
    static final String KEY_HASH = "keyHash";
    static final String TENANT = "tenant";
    static final String CREATED_AT = "createdAt";
    static final String KEY_PREFIX = "keyPrefix";

    private final DynamoDbClient dynamoDb;
    private final String tableName;
    private final Clock clock;

    public DynamoDbApiKeyStore(DynamoDbClient dynamoDb, String tableName, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
        this.clock = clock;
    }

    @Override
    public String create(String tenant) {
        if (!ApiKeys.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant '" + tenant + "' is not valid: " + ApiKeys.describeTenantRule());
        }
        // The tenant's marker first, so that no key exists for a tenant the store does not know.
        registerTenant(tenant);
        String key = ApiKeys.newKey();
        dynamoDb.putItem(r -> r.tableName(tableName)
                .item(Map.of(
                        KEY_HASH, AttributeValue.fromS(ApiKeys.hash(key)),
                        TENANT, AttributeValue.fromS(tenant),
                        CREATED_AT, AttributeValue.fromN(Long.toString(clock.millis())),
                        KEY_PREFIX, AttributeValue.fromS(key.substring(0, 8))))
                .conditionExpression("attribute_not_exists(" + KEY_HASH + ")"));
        return key;
    }

    @Override
    public Optional<String> tenantOf(String key) {
        if (!ApiKeys.hasKeyShape(key)) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(tableName)
                .key(Map.of(KEY_HASH, AttributeValue.fromS(ApiKeys.hash(key))))).item();
        return item == null || !item.containsKey(TENANT) ? Optional.empty() : Optional.of(item.get(TENANT).s());
    }

    /**
     * The marker's key: {@code tenant#<tenant>} in the key-hash attribute. A real key's hash is 64 hex digits, so
     * the two never meet, and a marker is never a key ({@link #tenantOf} looks up hashes of key-shaped strings only).
     */
    static String tenantMarker(String tenant) {
        return "tenant#" + tenant;
    }

    @Override
    public boolean tenantExists(String tenant) {
        if (!ApiKeys.isValidTenant(tenant)) {
            return false;
        }
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(tableName)
                .key(Map.of(KEY_HASH, AttributeValue.fromS(tenantMarker(tenant))))
                .projectionExpression(KEY_HASH)).item();
        return item != null && !item.isEmpty();
    }

    @Override
    public void registerTenant(String tenant) {
        if (!ApiKeys.isValidTenant(tenant)) {
            throw new IllegalArgumentException("tenant '" + tenant + "' is not valid: " + ApiKeys.describeTenantRule());
        }
        try {
            dynamoDb.putItem(r -> r.tableName(tableName)
                    .item(Map.of(
                            KEY_HASH, AttributeValue.fromS(tenantMarker(tenant)),
                            TENANT, AttributeValue.fromS(tenant),
                            CREATED_AT, AttributeValue.fromN(Long.toString(clock.millis()))))
                    .conditionExpression("attribute_not_exists(" + KEY_HASH + ")"));
        } catch (ConditionalCheckFailedException e) {
            // Known already: its first creation time stays.
        }
    }

    @Override
    public boolean revoke(String key) {
        if (!ApiKeys.hasKeyShape(key)) {
            return false;
        }
        Map<String, AttributeValue> old = dynamoDb.deleteItem(r -> r.tableName(tableName)
                .key(Map.of(KEY_HASH, AttributeValue.fromS(ApiKeys.hash(key))))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }
}
