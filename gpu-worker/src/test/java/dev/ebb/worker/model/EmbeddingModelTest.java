package dev.ebb.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import dev.ebb.core.config.SettingsException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up rules of the model, checked on the machine the tests run on (CI has no GPU). */
class EmbeddingModelTest {

    @Test
    void load_whenGpuIsRequiredButCannotBeUsed_failsNamingTheSetting(@TempDir Path cache) {
        System.setProperty("ai.djl.offline", "true");
        // Where a GPU is visible, the CPU build of ONNX Runtime on this class path cannot use it either.
        assertThatThrownBy(() -> EmbeddingModel.load("all-minilm-l6-v2-q", cache, ModelSettings.DeviceChoice.GPU))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("EBB_DEVICE=gpu");
    }

    @Test
    void load_whenAuto_runsOnTheCpuWithoutAGpu_andFlagsOnlyTextsPastTheWindow(@TempDir Path cache) {
        System.setProperty("ai.djl.offline", "true");
        try (EmbeddingModel model = EmbeddingModel.load("all-minilm-l6-v2-q", cache,
                ModelSettings.DeviceChoice.AUTO)) {
            assertThat(model.device()).isEqualTo(Engine.getEngine("OnnxRuntime").getGpuCount() > 0 ? "gpu" : "cpu");
            assertThat(model.truncated("word ".repeat(254))).isFalse(); // 254 tokens + [CLS] + [SEP] = 256
            assertThat(model.truncated("word ".repeat(255))).isTrue();
            assertThat(model.embed(java.util.List.of("hello")).get(0).vector()).hasSize(384);
        }
    }
}
