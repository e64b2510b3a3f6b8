package dev.ebb.core.testing;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Tables with a string hash key and nothing else (the cache, tenants and keys tables), made empty for a test. */
public final class Tables {
    private Tables() {
    }

    public static void recreate(DynamoDbClient dynamoDb, String table, String hashKey) {
        try {
            dynamoDb.deleteTable(r -> r.tableName(table));
        } catch (ResourceNotFoundException e) {
            // first use in this JVM
        }
        dynamoDb.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName(hashKey).attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName(hashKey).keyType(KeyType.HASH)));
        dynamoDb.waiter().waitUntilTableExists(r -> r.tableName(table));
    }
}
