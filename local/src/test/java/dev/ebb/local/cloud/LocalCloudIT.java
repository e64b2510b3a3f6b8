package dev.ebb.local.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ebb.core.config.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

class LocalCloudIT {

    private static final Pattern DLQ_ARN = Pattern.compile("\"deadLetterTargetArn\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern MAX_RECEIVE_COUNT = Pattern.compile("\"maxReceiveCount\"\\s*:\\s*\"?(\\d+)\"?");

    @Test
    void provision_createsEachLaneQueueWithARedrivePolicyToItsDlq() {
        ProvisionedResources resources = EmbeddedCloud.resources();
        SqsClient sqs = EmbeddedCloud.get().sqsClient();

        assertThat(resources.queueUrls()).containsOnlyKeys("gpu", "cpu", "llm");
        for (String lane : List.of("gpu", "cpu", "llm")) {
            String fifo = lane.equals("llm") ? ".fifo" : ""; // a session's turns in order: FIFO queue and DLQ
            assertThat(resources.queueUrl(lane)).endsWith("/ebb-" + lane + fifo);
            assertThat(resources.dlqUrl(lane)).endsWith("/ebb-" + lane + "-dlq" + fifo);
            Map<QueueAttributeName, String> queue = attributes(sqs, resources.queueUrl(lane));
            Map<QueueAttributeName, String> dlq = attributes(sqs, resources.dlqUrl(lane));

            String redrivePolicy = queue.get(QueueAttributeName.REDRIVE_POLICY);
            assertThat(group(DLQ_ARN, redrivePolicy)).isEqualTo(dlq.get(QueueAttributeName.QUEUE_ARN));
            assertThat(group(MAX_RECEIVE_COUNT, redrivePolicy)).isEqualTo("50");
            assertThat(queue.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("60");
            assertThat(Boolean.parseBoolean(queue.get(QueueAttributeName.FIFO_QUEUE))).as(lane).isEqualTo(!fifo.isEmpty());
            assertThat(Boolean.parseBoolean(dlq.get(QueueAttributeName.FIFO_QUEUE))).as(lane).isEqualTo(!fifo.isEmpty());
        }
    }

    @Test
    void provision_createsOnDemandTablesWithTtlOnExpiresAt() {
        DynamoDbClient dynamoDb = EmbeddedCloud.get().dynamoDbClient();

        assertThat(EmbeddedCloud.resources().tables()).containsExactly("ebb-jobs", "ebb-keys", "ebb-sessions",
                "ebb-cache", "ebb-tenants");
        for (var expected : Map.of("ebb-jobs", "jobId", "ebb-keys", "keyHash", "ebb-sessions", "sessionKey",
                "ebb-cache", "cacheKey", "ebb-tenants", "tenant").entrySet()) {
            TableDescription table = dynamoDb.describeTable(r -> r.tableName(expected.getKey())).table();
            assertThat(table.tableStatus()).isEqualTo(TableStatus.ACTIVE);
            assertThat(table.keySchema()).singleElement().satisfies(key -> {
                assertThat(key.attributeName()).isEqualTo(expected.getValue());
                assertThat(key.keyType()).isEqualTo(KeyType.HASH);
            });
            assertThat(table.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
            TimeToLiveDescription ttl = dynamoDb.describeTimeToLive(r -> r.tableName(expected.getKey()))
                    .timeToLiveDescription();
            assertThat(ttl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
            assertThat(ttl.attributeName()).isEqualTo("expiresAt");
        }
        var indexes = dynamoDb.describeTable(r -> r.tableName("ebb-jobs")).table().globalSecondaryIndexes();
        // The catalogue's indexes: the dead-letter index a redrive queries, the tenant index the job list queries,
        // the queued index the reconciler queries.
        assertThat(indexes).extracting(i -> i.indexName()).containsExactlyInAnyOrderElementsOf(
                Deployment.JOBS.indexes().stream().map(Deployment.IndexSpec::name).toList());
        indexes.forEach(index -> {
            Deployment.IndexSpec catalogued = Deployment.JOBS.indexes().stream()
                    .filter(spec -> spec.name().equals(index.indexName())).findFirst().orElseThrow();
            assertThat(index.projection().projectionType()).isEqualTo(ProjectionType.KEYS_ONLY);
            assertThat(index.keySchema()).extracting(k -> k.attributeName())
                    .containsExactly(catalogued.hashKey().name(), catalogued.rangeKey().name());
        });
    }

    /**
     * The local cloud's tables and queues are exactly core's deployment catalogue: a table or queue under the default
     * names that the catalogue does not list, or one it lists and the cloud lacks, fails here. (Other tests here
     * provision names of their own, never under the {@code ebb-} prefix.)
     */
    @Test
    void provision_defaults_createsExactlyTheCataloguesTablesAndQueues() {
        ProvisionedResources resources = EmbeddedCloud.resources();
        DynamoDbClient dynamoDb = EmbeddedCloud.get().dynamoDbClient();
        SqsClient sqs = EmbeddedCloud.get().sqsClient();

        List<String> queueNames = Deployment.queues(Deployment.Target.LOCAL).stream()
                .map(Deployment.QueueSpec::defaultName).toList();
        assertThat(sqs.listQueues(r -> r.queueNamePrefix("ebb-")).queueUrls())
                .extracting(url -> url.substring(url.lastIndexOf('/') + 1))
                .containsExactlyInAnyOrderElementsOf(queueNames);
        for (Deployment.LaneQueues lane : Deployment.LANES) {
            assertThat(resources.queueUrl(lane.lane().id())).endsWith("/" + lane.queue().defaultName());
            assertThat(resources.dlqUrl(lane.lane().id())).endsWith("/" + lane.deadLetters().defaultName());
            String redrivePolicy = attributes(sqs, resources.queueUrl(lane.lane().id()))
                    .get(QueueAttributeName.REDRIVE_POLICY);
            assertThat(group(DLQ_ARN, redrivePolicy)).endsWith(":" + lane.deadLetters().defaultName());
            assertThat(group(MAX_RECEIVE_COUNT, redrivePolicy)).isEqualTo(String.valueOf(Deployment.MAX_RECEIVE_COUNT));
        }

        List<String> tableNames = Deployment.TABLES.stream().map(Deployment.TableSpec::defaultName).toList();
        assertThat(resources.tables()).containsExactlyInAnyOrderElementsOf(tableNames);
        assertThat(dynamoDb.listTables().tableNames()).filteredOn(name -> name.startsWith("ebb-"))
                .containsExactlyInAnyOrderElementsOf(tableNames);
        for (Deployment.TableSpec spec : Deployment.TABLES) {
            TableDescription table = dynamoDb.describeTable(r -> r.tableName(spec.defaultName())).table();
            assertThat(table.keySchema()).extracting(k -> k.keyType() + " " + k.attributeName())
                    .containsExactly("HASH " + spec.hashKey());
            Map<String, String> types = new java.util.TreeMap<>();
            table.attributeDefinitions().forEach(a -> types.put(a.attributeName(), a.attributeTypeAsString()));
            Map<String, String> expected = new java.util.TreeMap<>();
            spec.keyAttributes().forEach((name, type) -> expected.put(name, type.name()));
            assertThat(types).as(spec.defaultName()).isEqualTo(expected);
            Map<String, List<String>> indexes = new java.util.TreeMap<>();
            if (table.hasGlobalSecondaryIndexes()) {
                table.globalSecondaryIndexes().forEach(i -> indexes.put(i.indexName(),
                        i.keySchema().stream().map(k -> k.keyType() + " " + k.attributeName()).toList()));
            }
            Map<String, List<String>> expectedIndexes = new java.util.TreeMap<>();
            spec.indexes().forEach(i -> expectedIndexes.put(i.name(),
                    List.of("HASH " + i.hashKey().name(), "RANGE " + i.rangeKey().name())));
            assertThat(indexes).as(spec.defaultName()).isEqualTo(expectedIndexes);
            assertThat(dynamoDb.describeTimeToLive(r -> r.tableName(spec.defaultName())).timeToLiveDescription()
                    .attributeName()).isEqualTo(spec.ttlAttribute());
        }
    }

    @Test
    void provision_whenResourcesExist_changesNothingAndSucceeds() {
        LocalCloud cloud = EmbeddedCloud.get();
        ProvisionedResources first = EmbeddedCloud.resources();
        String gpuPolicy = attributes(cloud.sqsClient(), first.queueUrl("gpu")).get(QueueAttributeName.REDRIVE_POLICY);
        List<String> queues = cloud.sqsClient().listQueues().queueUrls();

        ProvisionedResources again = cloud.provision(ResourceSpec.defaults());
        // A different spec for the same names must not alter the existing queues either.
        cloud.provision(ResourceSpec.builder().maxReceiveCount(2).visibilityTimeout(Duration.ofSeconds(5)).build());

        assertThat(again).isEqualTo(first);
        assertThat(cloud.sqsClient().listQueues().queueUrls()).containsExactlyInAnyOrderElementsOf(queues);
        Map<QueueAttributeName, String> gpu = attributes(cloud.sqsClient(), first.queueUrl("gpu"));
        assertThat(gpu.get(QueueAttributeName.REDRIVE_POLICY)).isEqualTo(gpuPolicy);
        assertThat(gpu.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("60");
    }

    @Test
    void provision_whenAJobsTableLacksItsIndexes_addsThem() {
        String name = "old-jobs-" + UUID.randomUUID().toString().substring(0, 8);
        DynamoDbClient dynamoDb = EmbeddedCloud.get().dynamoDbClient();
        dynamoDb.createTable(r -> r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("jobId").attributeType("S"))
                .keySchema(k -> k.attributeName("jobId").keyType(KeyType.HASH)));
        ResourceSpec.Table jobs = ResourceSpec.DEFAULT_TABLES.getFirst();
        ResourceSpec spec = ResourceSpec.builder().lanes(List.of())
                .tables(List.of(new ResourceSpec.Table(name, "jobId", "expiresAt", jobs.indexes(),
                        jobs.indexAttributes())))
                .build();

        EmbeddedCloud.get().provision(spec);

        assertThat(dynamoDb.describeTable(r -> r.tableName(name)).table().globalSecondaryIndexes())
                .extracting(i -> i.indexName()).containsExactlyInAnyOrderElementsOf(
                        Deployment.JOBS.indexes().stream().map(Deployment.IndexSpec::name).toList());
    }

    @Test
    void provision_withAnotherPrefixAndTable_createsThoseNames() {
        String prefix = "p" + UUID.randomUUID().toString().substring(0, 8);
        ResourceSpec spec = ResourceSpec.builder()
                .queuePrefix(prefix)
                .lanes(List.of("x"))
                .tables(List.of(new ResourceSpec.Table(prefix + "-sessions", "sessionId", "expiresAt")))
                .build();

        ProvisionedResources resources = EmbeddedCloud.get().provision(spec);

        assertThat(resources.queueUrl("x")).endsWith("/" + prefix + "-x");
        assertThat(resources.dlqUrl("x")).endsWith("/" + prefix + "-x-dlq");
        assertThat(EmbeddedCloud.get().dynamoDbClient().describeTable(r -> r.tableName(prefix + "-sessions"))
                .table().keySchema().getFirst().attributeName()).isEqualTo("sessionId");
    }

    @Test
    void restart_onTheSameDataDir_keepsQueuedAndInFlightMessagesAndTableItems() {
        LocalCloud before = EmbeddedCloud.get();
        // Own queues, so messages other tests leave in the shared ones don't matter.
        String prefix = "r" + UUID.randomUUID().toString().substring(0, 8);
        ProvisionedResources resources = before.provision(ResourceSpec.builder().queuePrefix(prefix).build());
        String queueUrl = resources.queueUrl("gpu");
        String jobId = UUID.randomUUID().toString();
        String dlqPolicy = attributes(before.sqsClient(), queueUrl).get(QueueAttributeName.REDRIVE_POLICY);

        before.sqsClient().sendMessage(r -> r.queueUrl(queueUrl).messageBody("in-flight " + jobId));
        Message inFlight = receiveOne(before.sqsClient(), queueUrl, 1);
        assertThat(inFlight.body()).isEqualTo("in-flight " + jobId);
        before.sqsClient().sendMessage(r -> r.queueUrl(queueUrl).messageBody("queued " + jobId));
        before.dynamoDbClient().putItem(r -> r.tableName("ebb-jobs").item(Map.of(
                "jobId", AttributeValue.fromS(jobId),
                "status", AttributeValue.fromS("QUEUED"))));

        LocalCloud after = EmbeddedCloud.restart();

        assertThat(after).isNotSameAs(before);
        Map<String, AttributeValue> item = after.dynamoDbClient()
                .getItem(r -> r.tableName("ebb-jobs").key(Map.of("jobId", AttributeValue.fromS(jobId))).consistentRead(true))
                .item();
        assertThat(item).containsEntry("status", AttributeValue.fromS("QUEUED"));
        assertThat(attributes(after.sqsClient(), queueUrl).get(QueueAttributeName.REDRIVE_POLICY)).isEqualTo(dlqPolicy);
        // The received-but-not-deleted message is visible again once its 1 s visibility timeout has passed.
        Message first = receiveOne(after.sqsClient(), queueUrl, 30);
        Message second = receiveOne(after.sqsClient(), queueUrl, 30);
        assertThat(List.of(first.body(), second.body()))
                .containsExactlyInAnyOrder("queued " + jobId, "in-flight " + jobId);
        Message redelivered = first.body().startsWith("in-flight") ? first : second;
        assertThat(redelivered.messageId()).isEqualTo(inFlight.messageId());
        assertThat(redelivered.attributes()).containsEntry(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "2");
    }

    @Test
    void start_whileAnotherCloudRunsInThisJvm_failsAndLeavesTheRunningOneAlone(@TempDir Path dataDir) {
        LocalCloud running = EmbeddedCloud.get();
        LocalCloud second = new LocalCloud(LocalCloud.Config.builder().dataDir(dataDir).sqsPort(0).dynamoDbPort(0).build());

        assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("another");
        second.stop();

        assertThat(running.sqsClient().listQueues().queueUrls()).isNotEmpty();
        assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("another");
    }

    private static Map<QueueAttributeName, String> attributes(SqsClient sqs, String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.ALL)).attributes();
    }

    private static Message receiveOne(SqsClient sqs, String queueUrl, int visibilityTimeoutSeconds) {
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(1)
                .waitTimeSeconds(10)
                .visibilityTimeout(visibilityTimeoutSeconds)
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
        assertThat(messages).as("a message from %s", queueUrl).hasSize(1);
        return messages.getFirst();
    }

    private static String group(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        assertThat(matcher.find()).as("%s in %s", pattern, text).isTrue();
        return matcher.group(1);
    }
}
