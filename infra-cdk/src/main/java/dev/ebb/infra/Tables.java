package dev.ebb.infra;

import dev.ebb.core.config.Deployment;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * The DynamoDB tables: exactly {@link Deployment#TABLES} (jobs, keys, cache, tenants), each with its key schema, indexes and TTL
 * attribute from there. Tables bill per request (nothing when idle), are encrypted with the AWS-managed key and keep
 * point-in-time recovery. They survive {@code cdk destroy} unless {@link Props#retain()} is false.
 */
public final class Tables extends Construct {
    public static final String TTL_ATTRIBUTE = Deployment.TTL_ATTRIBUTE;

    /** @param retain keep the tables (and their data) when the stack is deleted */
    public record Props(boolean retain) {
    }

    private final Map<Deployment.TableSpec, Table> tables = new LinkedHashMap<>();

    public Tables(Construct scope, String id, Props props) {
        super(scope, id);
        RemovalPolicy removal = props.retain() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
        for (Deployment.TableSpec spec : Deployment.TABLES) {
            tables.put(spec, table(spec, removal));
        }
    }

    private Table table(Deployment.TableSpec spec, RemovalPolicy removal) {
        Table table = Table.Builder.create(this, spec.id())
                .partitionKey(Attribute.builder().name(spec.hashKey()).type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .timeToLiveAttribute(spec.ttlAttribute())
                .encryption(TableEncryption.AWS_MANAGED)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                .removalPolicy(removal)
                .build();
        for (Deployment.IndexSpec index : spec.indexes()) {
            table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                    .indexName(index.name())
                    .partitionKey(attribute(index.hashKey()))
                    .sortKey(attribute(index.rangeKey()))
                    .projectionType(ProjectionType.KEYS_ONLY)
                    .build());
        }
        return table;
    }

    private static Attribute attribute(Deployment.KeyAttribute key) {
        return Attribute.builder().name(key.name())
                .type(key.type() == Deployment.AttributeType.N ? AttributeType.NUMBER : AttributeType.STRING)
                .build();
    }

    /** The table {@code spec} describes. */
    public Table table(Deployment.TableSpec spec) {
        return tables.get(spec);
    }

    public Table jobs() {
        return table(Deployment.JOBS);
    }

    public Table keys() {
        return table(Deployment.KEYS);
    }

    public Table sessions() {
        return table(Deployment.SESSIONS);
    }

    /** The result cache: read at submit, written by the workers. */
    public Table cache() {
        return table(Deployment.CACHE);
    }

    /** Tenants' limits, switches and counters: read and conditionally updated by submit and the workers. */
    public Table tenants() {
        return table(Deployment.TENANTS);
    }
}
