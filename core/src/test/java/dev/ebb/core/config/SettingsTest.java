package dev.ebb.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.run.ResultSpill;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {
    private static final Map<String, String> QUEUES = Map.of(
            Settings.GPU_QUEUE_URL, "http://localhost/gpu", Settings.CPU_QUEUE_URL, "http://localhost/cpu");

    @Test
    void largeResultBytes_whenUnset_isTheDefaultWellUnderTheItemLimit() {
        assertThat(Settings.fromEnv(QUEUES).largeResultBytes()).isEqualTo(ResultSpill.DEFAULT_THRESHOLD_BYTES)
                .isLessThan(400_000 - 200 * 1024);
    }

    @Test
    void largeResultBytes_isReadFromItsVariable() {
        assertThat(Settings.fromEnv(with(Settings.LARGE_RESULT_BYTES, "2048")).largeResultBytes()).isEqualTo(2048);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "307201", "lots"})
    void largeResultBytes_whenOutOfRangeOrNotANumber_failsNamingTheVariable(String value) {
        assertThatThrownBy(() -> Settings.fromEnv(with(Settings.LARGE_RESULT_BYTES, value)))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining("EBB_LARGE_RESULT_BYTES");
    }

    private static Map<String, String> with(String name, String value) {
        Map<String, String> env = new HashMap<>(QUEUES);
        env.put(name, value);
        return env;
    }
}
