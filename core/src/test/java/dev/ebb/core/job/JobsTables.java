package dev.ebb.core.job;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** A jobs table (key {@code jobId}, with the {@link QueuedIndex}) on the test DynamoDB-compatible server, made empty for each test. */
public final class JobsTables {
    private JobsTables() {
    }

    /** Deletes {@code table} if it exists and creates it again, empty. */
    public static void recreate(DynamoDbClient dynamoDb, String table) {
        try {
            dynamoDb.deleteTable(r -> r.tableName(table));
        } catch (ResourceNotFoundException e) {
            // first test in this JVM
        }
        dynamoDb.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(java.util.stream.Stream.concat(
                        java.util.stream.Stream.of(AttributeDefinition.builder().attributeName("jobId")
                                .attributeType(ScalarAttributeType.S).build()),
                        QueuedIndex.attributeDefinitions().stream()).toList())
                .keySchema(k -> k.attributeName("jobId").keyType(KeyType.HASH))
                .globalSecondaryIndexes(QueuedIndex.definition()));
        // The server answers CREATING, as DynamoDB does: wait until the table is ACTIVE.
        dynamoDb.waiter().waitUntilTableExists(r -> r.tableName(table));
    }
}
