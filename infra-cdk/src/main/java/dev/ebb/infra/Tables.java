package dev.ebb.infra;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.constructs.Construct;

/**
 * The four DynamoDB tables: jobs, keys, cache, sessions. Every item carries its expiry in {@value #TTL_ATTRIBUTE}
 * (epoch seconds), tables bill per request (nothing when idle), are encrypted with the AWS-managed key and keep
 * point-in-time recovery. They survive {@code cdk destroy} unless {@link Props#retain()} is false.
 */
public final class Tables extends Construct {
    static final String DEAD_LETTER_INDEX = "deadLettered";
    /** Every job by tenant and creation time, for GET /v1/jobs (core's TenantIndex). */
    static final String TENANT_INDEX = "byTenant";
    public static final String TTL_ATTRIBUTE = "expiresAt";

    /** @param retain keep the tables (and their data) when the stack is deleted */
    public record Props(boolean retain) {
    }

    private final Table jobs;
    private final Table keys;
    private final Table cache;
    private final Table sessions;

    public Tables(Construct scope, String id, Props props) {
        super(scope, id);
        RemovalPolicy removal = props.retain() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
        this.jobs = table("Jobs", "jobId", removal);
        // Sparse: only dead-lettered jobs carry these attributes, so redrive finds them without a scan (the names
        // are core's DeadLetterIndex).
        jobs.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(DEAD_LETTER_INDEX)
                .partitionKey(Attribute.builder().name("deadLetterLane").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("deadLetteredAt").type(AttributeType.NUMBER).build())
                .projectionType(ProjectionType.KEYS_ONLY)
                .build());
        // Keys only, and keys written once per job (tenant and createdAt never change): one index write per job.
        jobs.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(TENANT_INDEX)
                .partitionKey(Attribute.builder().name("tenant").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("createdAt").type(AttributeType.NUMBER).build())
                .projectionType(ProjectionType.KEYS_ONLY)
                .build());
        this.keys = table("Keys", "keyHash", removal);
        this.cache = table("Cache", "cacheKey", removal);
        this.sessions = table("Sessions", "sessionId", removal);
    }

    private Table table(String id, String partitionKey, RemovalPolicy removal) {
        return Table.Builder.create(this, id)
                .partitionKey(Attribute.builder().name(partitionKey).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .timeToLiveAttribute(TTL_ATTRIBUTE)
                .encryption(TableEncryption.AWS_MANAGED)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .removalPolicy(removal)
                .build();
    }

    public Table jobs() {
        return jobs;
    }

    public Table keys() {
        return keys;
    }

    public Table cache() {
        return cache;
    }

    public Table sessions() {
        return sessions;
    }
}
