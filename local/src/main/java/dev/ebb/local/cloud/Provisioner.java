package dev.ebb.local.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Creates what a {@link ResourceSpec} names, leaving anything that already exists as it is, so that
 * running it again changes nothing.
 */
final class Provisioner {

    private static final Logger log = LoggerFactory.getLogger(Provisioner.class);

    private final SqsClient sqs;
    private final DynamoDbClient dynamoDb;
    private final S3Client s3;

    Provisioner(SqsClient sqs, DynamoDbClient dynamoDb, S3Client s3) {
        this.sqs = sqs;
        this.dynamoDb = dynamoDb;
        this.s3 = s3;
    }

    ProvisionedResources provision(ResourceSpec spec) {
        Map<String, String> queueUrls = new LinkedHashMap<>();
        Map<String, String> dlqUrls = new LinkedHashMap<>();
        for (String lane : spec.lanes()) {
            String dlqUrl = ensureQueue(spec.dlqName(lane), Map.of(
                    QueueAttributeName.MESSAGE_RETENTION_PERIOD, seconds(spec.dlqRetention())));
            String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            String redrivePolicy = "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":\"%d\"}"
                    .formatted(dlqArn, spec.maxReceiveCount());
            queueUrls.put(lane, ensureQueue(spec.queueName(lane), Map.of(
                    QueueAttributeName.VISIBILITY_TIMEOUT, seconds(spec.visibilityTimeout()),
                    QueueAttributeName.REDRIVE_POLICY, redrivePolicy)));
            dlqUrls.put(lane, dlqUrl);
        }
        spec.tables().forEach(this::ensureTable);
        ensureBucket(ResourceSpec.BUCKET);
        return new ProvisionedResources(queueUrls, dlqUrls,
                spec.tables().stream().map(ResourceSpec.Table::name).toList());
    }

    private String ensureQueue(String name, Map<QueueAttributeName, String> attributes) {
        if (name.endsWith(".fifo")) {
            // A session's turns in order (message group); no content deduplication: every send is a new message.
            Map<QueueAttributeName, String> fifo = new java.util.HashMap<>(attributes);
            fifo.put(QueueAttributeName.FIFO_QUEUE, "true");
            fifo.put(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false");
            attributes = fifo;
        }
        Map<QueueAttributeName, String> create = attributes;
        try {
            return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
        } catch (QueueDoesNotExistException e) {
            log.info("creating queue {}", name);
            return sqs.createQueue(r -> r.queueName(name).attributes(create)).queueUrl();
        }
    }

    private void ensureTable(ResourceSpec.Table table) {
        List<AttributeDefinition> attributes = new ArrayList<>(table.indexAttributes());
        attributes.add(AttributeDefinition.builder()
                .attributeName(table.hashKey()).attributeType(ScalarAttributeType.S).build());
        try {
            TableDescription existing = dynamoDb.describeTable(r -> r.tableName(table.name())).table();
            // A table made by an earlier version lacks an index added since: add it, as a deployment update would.
            for (GlobalSecondaryIndex index : table.indexes()) {
                boolean present = existing.hasGlobalSecondaryIndexes() && existing.globalSecondaryIndexes().stream()
                        .anyMatch(i -> i.indexName().equals(index.indexName()));
                if (!present) {
                    log.info("adding index {} to table {}", index.indexName(), table.name());
                    dynamoDb.updateTable(r -> r.tableName(table.name())
                            .attributeDefinitions(attributes)
                            .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName(index.indexName())
                                    .keySchema(index.keySchema()).projection(index.projection()))));
                    // One index per UpdateTable, and the next only once the table is ACTIVE again.
                    dynamoDb.waiter().waitUntilTableExists(r -> r.tableName(table.name()));
                }
            }
        } catch (ResourceNotFoundException e) {
            log.info("creating table {}", table.name());
            dynamoDb.createTable(r -> {
                r.tableName(table.name())
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(attributes)
                        .keySchema(KeySchemaElement.builder()
                                .attributeName(table.hashKey()).keyType(KeyType.HASH).build());
                if (!table.indexes().isEmpty()) {
                    r.globalSecondaryIndexes(table.indexes());
                }
            });
        }
        dynamoDb.waiter().waitUntilTableExists(r -> r.tableName(table.name()));
        TimeToLiveDescription ttl = dynamoDb.describeTimeToLive(r -> r.tableName(table.name())).timeToLiveDescription();
        // UpdateTimeToLive fails on a table whose TTL is already enabled, so only call it when it is not.
        if (ttl.timeToLiveStatus() != TimeToLiveStatus.ENABLED) {
            dynamoDb.updateTimeToLive(r -> r.tableName(table.name())
                    .timeToLiveSpecification(s -> s.attributeName(table.ttlAttribute()).enabled(true)));
        } else if (!table.ttlAttribute().equals(ttl.attributeName())) {
            log.warn("table {} keeps TTL on {}, not {}", table.name(), ttl.attributeName(), table.ttlAttribute());
        }
    }

    private void ensureBucket(String name) {
        // Listing rather than HeadBucket: a missing bucket's HEAD is an exception, listing is a plain answer.
        if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(name))) {
            log.info("creating bucket {}", name);
            s3.createBucket(r -> r.bucket(name));
        }
    }

    private static String seconds(Duration duration) {
        return Long.toString(duration.toSeconds());
    }
}
