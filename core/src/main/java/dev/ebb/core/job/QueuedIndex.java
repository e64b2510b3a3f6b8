package dev.ebb.core.job;

import dev.ebb.core.config.Deployment;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;

/**
 * The jobs table's sparse global secondary index of jobs QUEUED with no run. A job is written with both keys when it
 * is created; the claim and the cancel remove them, so only jobs still waiting for their first run appear, keyed by
 * lane and the time they were queued (moved forward each time the reconciler sends their message again). Keys only
 * are projected. Its names are {@link Deployment#QUEUED_INDEX}'s; this class gives the index the SDK's shape.
 */
public final class QueuedIndex {
    public static final String NAME = Deployment.QUEUED_INDEX.name();
    /** Hash key (S): the job's lane id, {@code gpu} or {@code cpu}. */
    public static final String LANE = Deployment.QUEUED_INDEX.hashKey().name();
    /** Range key (N): when the job was queued or its message last sent again, epoch milliseconds. */
    public static final String AT = Deployment.QUEUED_INDEX.rangeKey().name();

    private QueuedIndex() {
    }

    /** The index as CreateTable / UpdateTable want it (on-demand tables: no throughput). Keys only are projected. */
    public static GlobalSecondaryIndex definition() {
        return IndexShapes.definition(Deployment.QUEUED_INDEX);
    }

    /** The attribute definitions the index adds to the table's. */
    public static List<AttributeDefinition> attributeDefinitions() {
        return IndexShapes.attributeDefinitions(Deployment.QUEUED_INDEX);
    }
}
