package dev.ebb.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docker cannot run here: this keeps the Dockerfile honest about what it references. */
class DockerfileTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();

    @Test
    void dockerfile_usesACuda12CudnnBase_andRunsTheWorkerMainClass() throws Exception {
        String dockerfile = Files.readString(MODULE.resolve("Dockerfile"));

        assertThat(dockerfile).containsPattern("(?m)^FROM nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-");
        Matcher main = Pattern.compile("\"(dev\\.ebb\\.worker\\.[A-Za-z]+)\"").matcher(dockerfile);
        assertThat(main.find()).isTrue();
        assertThat(main.group(1)).isEqualTo(WorkerMain.class.getName());
        assertThat(dockerfile).contains("-Dai.djl.offline=true");
    }

    @Test
    void dockerfile_copiesWhatTheGpuProfileBuilds() throws Exception {
        String dockerfile = Files.readString(MODULE.resolve("Dockerfile"));
        String pom = Files.readString(MODULE.resolve("pom.xml"));

        assertThat(dockerfile).contains("-Pgpu").contains("COPY target/lib/")
                .contains("COPY target/ebb-gpu-worker-");
        assertThat(pom).contains("<artifactId>ebb-gpu-worker</artifactId>");
        // The profile the Dockerfile names swaps in the CUDA build of ONNX Runtime.
        assertThat(pom).containsPattern("(?s)<id>gpu</id>.*<onnxruntime.artifact>onnxruntime_gpu</onnxruntime.artifact>");
        assertThat(pom).contains("<artifactId>${onnxruntime.artifact}</artifactId>");
    }
}
