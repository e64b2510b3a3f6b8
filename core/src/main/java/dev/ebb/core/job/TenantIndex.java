package dev.ebb.core.job;

import dev.ebb.core.config.Deployment;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;

/**
 * The jobs table's global secondary index of each tenant's jobs by creation time, for {@code GET /v1/jobs}. Keys
 * only are projected and both keys ({@code tenant}, {@code createdAt}) are written once, when the job is created and
 * never changed after, so a job costs the index one write (and its removal when the job expires), whatever its
 * later state changes. Its names are {@link Deployment#TENANT_INDEX}'s; this class gives the index the SDK's shape.
 */
public final class TenantIndex {
    public static final String NAME = Deployment.TENANT_INDEX.name();
    /** Hash key (S): the job's tenant. */
    public static final String TENANT = Deployment.TENANT_INDEX.hashKey().name();
    /** Range key (N): when the job was created, epoch milliseconds. */
    public static final String CREATED_AT = Deployment.TENANT_INDEX.rangeKey().name();

    private TenantIndex() {
    }

    /** The index as CreateTable / UpdateTable want it (on-demand tables: no throughput). Keys only are projected. */
    public static GlobalSecondaryIndex definition() {
        return IndexShapes.definition(Deployment.TENANT_INDEX);
    }

    /** The attribute definitions the index adds to the table's. */
    public static List<AttributeDefinition> attributeDefinitions() {
        return IndexShapes.attributeDefinitions(Deployment.TENANT_INDEX);
    }
}
