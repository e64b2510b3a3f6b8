package dev.ebb.local.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.job.DeadLetterIndex;
import dev.ebb.core.job.TenantIndex;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The local cloud's default resources are core's deployment catalogue, with nothing added or left out. */
class ResourceSpecTest {

    @Test
    void defaults_nameExactlyTheCataloguesLocalQueues() {
        ResourceSpec spec = ResourceSpec.defaults();
        List<String> names = new ArrayList<>();
        spec.lanes().forEach(lane -> {
            names.add(spec.queueName(lane));
            names.add(spec.dlqName(lane));
        });
        assertThat(names).containsExactlyInAnyOrderElementsOf(Deployment.queues(Deployment.Target.LOCAL).stream()
                .map(Deployment.QueueSpec::defaultName).toList());
        assertThat(spec.maxReceiveCount()).isEqualTo(Deployment.MAX_RECEIVE_COUNT);
    }

    @Test
    void defaults_haveExactlyTheCataloguesTablesWithTheirKeysTtlAndIndexes() {
        List<ResourceSpec.Table> tables = ResourceSpec.defaults().tables();
        assertThat(tables).extracting(ResourceSpec.Table::name)
                .containsExactlyElementsOf(Deployment.TABLES.stream().map(Deployment.TableSpec::defaultName).toList());
        for (int i = 0; i < tables.size(); i++) {
            ResourceSpec.Table table = tables.get(i);
            Deployment.TableSpec catalogued = Deployment.TABLES.get(i);
            assertThat(table.hashKey()).isEqualTo(catalogued.hashKey());
            assertThat(table.ttlAttribute()).isEqualTo(catalogued.ttlAttribute());
            assertThat(table.indexes()).extracting(index -> index.indexName())
                    .containsExactlyElementsOf(catalogued.indexes().stream().map(Deployment.IndexSpec::name).toList());
        }
        // The SDK-shaped index the job store's tests create is the same one.
        assertThat(tables.getFirst().indexes()).containsExactly(DeadLetterIndex.definition(),
                dev.ebb.core.job.TenantIndex.definition(), dev.ebb.core.job.QueuedIndex.definition());
        assertThat(tables.getFirst().indexAttributes()).containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.of(
                DeadLetterIndex.attributeDefinitions(), dev.ebb.core.job.TenantIndex.attributeDefinitions(),
                dev.ebb.core.job.QueuedIndex.attributeDefinitions()).flatMap(List::stream).toList());
    }
}
