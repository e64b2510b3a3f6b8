package dev.ebb.core.job;

import dev.ebb.core.config.Deployment;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;

/**
 * The jobs table's sparse global secondary index of dead-lettered jobs awaiting redrive: only items with the mark
 * appear in it, keyed by lane and the time they were dead-lettered, so a redrive finds them without a scan.
 * Its names are {@link Deployment#DEAD_LETTER_INDEX}'s; this class gives the index the SDK's shape.
 */
public final class DeadLetterIndex {
    public static final String NAME = Deployment.DEAD_LETTER_INDEX.name();
    /** Hash key (S): the job's lane id, {@code gpu} or {@code cpu}. */
    public static final String LANE = Deployment.DEAD_LETTER_INDEX.hashKey().name();
    /** Range key (N): when the job was dead-lettered, epoch milliseconds. */
    public static final String AT = Deployment.DEAD_LETTER_INDEX.rangeKey().name();

    private DeadLetterIndex() {
    }

    /** The index as CreateTable / UpdateTable want it (on-demand tables: no throughput). Keys only are projected. */
    public static GlobalSecondaryIndex definition() {
        return IndexShapes.definition(Deployment.DEAD_LETTER_INDEX);
    }

    /** The attribute definitions the index adds to the table's. */
    public static List<AttributeDefinition> attributeDefinitions() {
        return IndexShapes.attributeDefinitions(Deployment.DEAD_LETTER_INDEX);
    }
}
