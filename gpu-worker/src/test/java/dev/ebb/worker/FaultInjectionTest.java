package dev.ebb.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.config.SettingsException;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.math.MathTask;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {

    @Test
    void fromEnv_whenNothingIsSet_isInertAndLeavesTheTasksAlone() {
        FaultInjection faults = FaultInjection.fromEnv(Map.of());
        TaskRegistry tasks = TaskRegistry.of(new MathTask());

        assertThat(faults.active()).isFalse();
        assertThat(faults.wrap(tasks)).isSameAs(tasks);
        faults.at(FaultInjection.Point.MID_BATCH); // would halt this JVM if it were armed
    }

    @Test
    void fromEnv_withAnUnknownPoint_failsNamingTheSetting() {
        assertThatThrownBy(() -> FaultInjection.fromEnv(Map.of(FaultInjection.CRASH_POINTS, "after_lunch")))
                .isInstanceOf(SettingsException.class)
                .hasMessageContaining(FaultInjection.CRASH_POINTS).hasMessageContaining("after_lunch");
        assertThatThrownBy(() -> FaultInjection.fromEnv(Map.of(FaultInjection.CRASH_POINTS, "mid_batch",
                FaultInjection.CRASH_PROBABILITY, "2")))
                .isInstanceOf(SettingsException.class).hasMessageContaining(FaultInjection.CRASH_PROBABILITY);
    }

    @Test
    void fromEnv_withPointsAndPoison_isArmedAndWrapsEveryTask() {
        FaultInjection faults = FaultInjection.fromEnv(Map.of(FaultInjection.CRASH_POINTS,
                "after_receive, after_complete_before_delete", FaultInjection.CRASH_PROBABILITY, "0"));
        TaskRegistry wrapped = faults.wrap(TaskRegistry.of(new MathTask()));

        assertThat(faults.active()).isTrue();
        assertThat(wrapped.names()).containsExactly("math");
        assertThat(wrapped.find("math").orElseThrow()).isNotInstanceOf(MathTask.class);
        faults.at(FaultInjection.Point.AFTER_RECEIVE); // probability 0: never halts
    }
}
