package dev.ebb.core.job;

import dev.ebb.core.config.Deployment;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** A catalogued index ({@link Deployment.IndexSpec}) in the SDK's shape: what CreateTable and UpdateTable want. */
public final class IndexShapes {

    private IndexShapes() {
    }

    /** The index as CreateTable / UpdateTable want it (on-demand tables: no throughput). Keys only are projected. */
    public static GlobalSecondaryIndex definition(Deployment.IndexSpec index) {
        return GlobalSecondaryIndex.builder()
                .indexName(index.name())
                .keySchema(key(index.hashKey(), KeyType.HASH), key(index.rangeKey(), KeyType.RANGE))
                .projection(p -> p.projectionType(ProjectionType.KEYS_ONLY))
                .build();
    }

    /** The attribute definitions the index adds to the table's. */
    public static List<AttributeDefinition> attributeDefinitions(Deployment.IndexSpec index) {
        return List.of(attribute(index.hashKey()), attribute(index.rangeKey()));
    }

    private static KeySchemaElement key(Deployment.KeyAttribute attribute, KeyType type) {
        return KeySchemaElement.builder().attributeName(attribute.name()).keyType(type).build();
    }

    private static AttributeDefinition attribute(Deployment.KeyAttribute attribute) {
        return AttributeDefinition.builder().attributeName(attribute.name())
                .attributeType(ScalarAttributeType.fromValue(attribute.type().name())).build();
    }
}
