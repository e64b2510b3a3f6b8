package dev.ebb.core.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.config.SettingsException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ScalingSettingsTest {

    @Test
    void fromEnv_whenEmpty_givesTheDefaults() {
        assertThat(ScalingSettings.fromEnv(Map.of())).isEqualTo(ScalingSettings.DEFAULTS);
    }

    @Test
    void fromEnv_readsEveryVariable_andToEnvReadsBack() {
        var settings = ScalingSettings.fromEnv(Map.of(
                ScalingSettings.MIN_WORKERS, "1",
                ScalingSettings.MAX_WORKERS, "4",
                ScalingSettings.TARGET_WAIT_SECONDS, "2.5",
                ScalingSettings.COOL_DOWN_SECONDS, "0",
                ScalingSettings.STARTUP_SECONDS, "1",
                ScalingSettings.JOBS_PER_SECOND, "120",
                ScalingSettings.STALE_SECONDS, "20",
                ScalingSettings.INTERVAL_SECONDS, "0.5"));

        assertThat(settings).isEqualTo(new ScalingSettings(1, 4, Duration.ofMillis(2500), Duration.ZERO,
                Duration.ofSeconds(1), 120, Duration.ofSeconds(20), Duration.ofMillis(500)));
        assertThat(ScalingSettings.fromEnv(settings.toEnv())).isEqualTo(settings);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "EBB_SCALE_MIN_WORKERS=5,EBB_SCALE_MAX_WORKERS=2 | EBB_SCALE_MIN_WORKERS=5 exceeds EBB_SCALE_MAX_WORKERS=2",
            "EBB_SCALE_MAX_WORKERS=0                         | EBB_SCALE_MAX_WORKERS",
            "EBB_SCALE_MIN_WORKERS=-1                        | EBB_SCALE_MIN_WORKERS",
            "EBB_SCALE_TARGET_WAIT_SECONDS=-30               | EBB_SCALE_TARGET_WAIT_SECONDS",
            "EBB_SCALE_TARGET_WAIT_SECONDS=0                 | EBB_SCALE_TARGET_WAIT_SECONDS",
            "EBB_SCALE_COOL_DOWN_SECONDS=-1                  | EBB_SCALE_COOL_DOWN_SECONDS",
            "EBB_SCALE_STARTUP_SECONDS=soon                  | EBB_SCALE_STARTUP_SECONDS",
            "EBB_SCALE_JOBS_PER_SECOND=0                     | EBB_SCALE_JOBS_PER_SECOND",
            "EBB_SCALE_JOBS_PER_SECOND=NaN                   | EBB_SCALE_JOBS_PER_SECOND",
            "EBB_SCALE_INTERVAL_SECONDS=0                    | EBB_SCALE_INTERVAL_SECONDS",
    })
    void fromEnv_whenNonsense_refusesNamingTheSetting(String assignments, String named) {
        Map<String, String> env = new java.util.HashMap<>();
        for (String assignment : assignments.split(",")) {
            String[] parts = assignment.split("=", 2);
            env.put(parts[0], parts[1]);
        }

        assertThatThrownBy(() -> ScalingSettings.fromEnv(env))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining(named);
    }
}
