package dev.ebb.local.cloud;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.job.IndexShapes;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;

/**
 * The queues and tables that {@link LocalCloud#provision(ResourceSpec)} creates. {@link #defaults()} is core's
 * deployment catalogue ({@link Deployment}): its lanes, their dead-letter queues and its tables, under the names a
 * process reads when no variable names them.
 *
 * <p>Each lane gets a queue {@code <queuePrefix>-<lane>} and a dead-letter queue
 * {@code <queuePrefix>-<lane>-dlq}; a message received {@code maxReceiveCount} times moves to the DLQ.
 *
 * @param queuePrefix       prefix of every queue name
 * @param lanes             lane names, one queue pair each
 * @param maxReceiveCount   receives before a message is moved to the lane's DLQ
 * @param visibilityTimeout the main queues' default visibility timeout (whole seconds)
 * @param dlqRetention      how long the DLQs keep a message (whole seconds, at most 14 days)
 * @param tables            the DynamoDB tables
 */
public record ResourceSpec(
        String queuePrefix,
        List<String> lanes,
        int maxReceiveCount,
        Duration visibilityTimeout,
        Duration dlqRetention,
        List<Table> tables) {
    /** The object-store bucket (uploads, large inputs): on AWS the stack names it, locally it is this. */
    public static final String BUCKET = Deployment.LOCAL_BUCKET;

    /** The tables every Ebb deployment has: {@link Deployment#TABLES} under their default names. */
    public static final List<Table> DEFAULT_TABLES = Deployment.TABLES.stream().map(Table::of).toList();

    public ResourceSpec {
        Objects.requireNonNull(queuePrefix, "queuePrefix");
        lanes = List.copyOf(lanes);
        Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
        Objects.requireNonNull(dlqRetention, "dlqRetention");
        tables = List.copyOf(tables);
        if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
            throw new IllegalArgumentException("maxReceiveCount must be 1..1000, was " + maxReceiveCount);
        }
    }

    /**
     * A DynamoDB table with a string hash key and TTL on a numeric epoch-seconds attribute, and its global
     * secondary indexes (with the attribute definitions their keys need).
     */
    public record Table(String name, String hashKey, String ttlAttribute, List<GlobalSecondaryIndex> indexes,
                        List<AttributeDefinition> indexAttributes) {
        public Table {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(hashKey, "hashKey");
            Objects.requireNonNull(ttlAttribute, "ttlAttribute");
            indexes = List.copyOf(indexes);
            indexAttributes = List.copyOf(indexAttributes);
        }

        /** A table without secondary indexes. */
        public Table(String name, String hashKey, String ttlAttribute) {
            this(name, hashKey, ttlAttribute, List.of(), List.of());
        }

        /** The table {@code spec} describes, under its default name, its indexes in the SDK's shape. */
        public static Table of(Deployment.TableSpec spec) {
            List<GlobalSecondaryIndex> indexes = spec.indexes().stream().map(IndexShapes::definition).toList();
            List<AttributeDefinition> attributes = spec.indexes().stream()
                    .flatMap(index -> IndexShapes.attributeDefinitions(index).stream())
                    .distinct()
                    .toList();
            return new Table(spec.defaultName(), spec.hashKey(), spec.ttlAttribute(), indexes, attributes);
        }
    }

    public static ResourceSpec defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String queueName(String lane) {
        return queuePrefix + "-" + lane + fifoSuffix(lane);
    }

    public String dlqName(String lane) {
        return queuePrefix + "-" + lane + "-dlq" + fifoSuffix(lane);
    }

    /** A FIFO lane's queues (and so their dead-letter queues) end in {@code .fifo}, as SQS requires. */
    private static String fifoSuffix(String lane) {
        return java.util.Arrays.stream(dev.ebb.core.task.Lane.values())
                .anyMatch(l -> l.id().equals(lane) && l.fifo()) ? ".fifo" : "";
    }

    public static final class Builder {
        private String queuePrefix = "ebb";
        private List<String> lanes = Deployment.LANES.stream().map(l -> l.lane().id()).toList();
        private int maxReceiveCount = Deployment.MAX_RECEIVE_COUNT;
        private Duration visibilityTimeout = Duration.ofSeconds(60);
        private Duration dlqRetention = Duration.ofDays(14);
        private List<Table> tables = DEFAULT_TABLES;

        private Builder() {
        }

        public Builder queuePrefix(String queuePrefix) {
            this.queuePrefix = queuePrefix;
            return this;
        }

        public Builder lanes(List<String> lanes) {
            this.lanes = lanes;
            return this;
        }

        public Builder maxReceiveCount(int maxReceiveCount) {
            this.maxReceiveCount = maxReceiveCount;
            return this;
        }

        public Builder visibilityTimeout(Duration visibilityTimeout) {
            this.visibilityTimeout = visibilityTimeout;
            return this;
        }

        public Builder dlqRetention(Duration dlqRetention) {
            this.dlqRetention = dlqRetention;
            return this;
        }

        public Builder tables(List<Table> tables) {
            this.tables = tables;
            return this;
        }

        public ResourceSpec build() {
            return new ResourceSpec(queuePrefix, lanes, maxReceiveCount, visibilityTimeout, dlqRetention, tables);
        }
    }
}
