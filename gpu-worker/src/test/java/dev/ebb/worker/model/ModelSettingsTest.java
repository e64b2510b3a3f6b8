package dev.ebb.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.config.SettingsException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelSettingsTest {

    @Test
    void fromEnv_whenNothingSet_runsTheFp32ModelOnAutoFromTheUserCache() {
        ModelSettings settings = ModelSettings.fromEnv(Map.of());

        assertThat(settings.model()).isEqualTo("all-minilm-l6-v2");
        assertThat(settings.device()).isEqualTo(ModelSettings.DeviceChoice.AUTO);
        assertThat(settings.modelDir()).isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "ebb", "models"));
    }

    @Test
    void fromEnv_whenUnknownModelOrDevice_failsNamingTheSetting() {
        assertThatThrownBy(() -> ModelSettings.fromEnv(Map.of("EBB_MODEL", "bert-large")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("EBB_MODEL").hasMessageContaining("bert-large");
        assertThatThrownBy(() -> ModelSettings.fromEnv(Map.of("EBB_DEVICE", "tpu")))
                .isInstanceOf(SettingsException.class).hasMessageContaining("EBB_DEVICE");
    }

    @Test
    void ensure_copiesTheModelFilesOnce_andKeepsThemOnTheNextCall(@org.junit.jupiter.api.io.TempDir Path cache)
            throws Exception {
        Path dir = ModelFiles.ensure("all-minilm-l6-v2-q", cache);
        long modified = java.nio.file.Files.getLastModifiedTime(dir.resolve("model.onnx")).toMillis();

        assertThat(dir.resolve("tokenizer.json")).isRegularFile();
        assertThat(java.nio.file.Files.size(dir.resolve("model.onnx"))).isGreaterThan(20_000_000);
        assertThat(ModelFiles.ensure("all-minilm-l6-v2-q", cache)).isEqualTo(dir);
        assertThat(java.nio.file.Files.getLastModifiedTime(dir.resolve("model.onnx")).toMillis()).isEqualTo(modified);
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model.onnx",
                    "tokenizer.json");
        }
    }
}
