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

    /** A text far past the window is cut before it is tokenized, and embeds as its beginning does. */
    @Test
    void embed_whenATextIsMegabytesLong_readsItsBeginningOnly_andFlagsItTruncated(@TempDir Path cache) {
        System.setProperty("ai.djl.offline", "true");
        String sentence = "The quick brown fox jumps over the lazy dog near the quiet river bank. ";
        String huge = sentence.repeat(2 * 1024 * 1024 / sentence.length());
        try (EmbeddingModel model = EmbeddingModel.load("all-minilm-l6-v2-q", cache,
                ModelSettings.DeviceChoice.CPU)) {
            java.util.List<EmbeddingModel.Embedding> out = model.embed(java.util.List.of(huge,
                    huge.substring(0, 4096)));

            assertThat(out.get(0).truncated()).isTrue();
            assertThat(out.get(0).vector()).containsExactly(out.get(1).vector(),
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void clip_keepsShortTextsWhole_andNeverSplitsASurrogatePair() {
        assertThat(EmbeddingModel.clip("short")).isEqualTo("short");
        String emoji = "\uD83D\uDE00";
        String text = "a".repeat(EmbeddingModel.MAX_CHARS_READ - 1) + emoji + "tail";

        String clipped = EmbeddingModel.clip(text);

        assertThat(clipped).hasSize(EmbeddingModel.MAX_CHARS_READ - 1);
        assertThat(Character.isHighSurrogate(clipped.charAt(clipped.length() - 1))).isFalse();
        assertThat(EmbeddingModel.clip("b".repeat(3 * EmbeddingModel.MAX_CHARS_READ)))
                .hasSize(EmbeddingModel.MAX_CHARS_READ);
    }
}
