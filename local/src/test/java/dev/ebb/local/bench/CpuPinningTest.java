package dev.ebb.local.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CpuPinningTest {

    @Test
    void parseList_readsRangesAndSingleCpus_asTheKernelWritesThem() {
        assertThat(CpuPinning.parseList("0-3,6")).containsExactly(0, 1, 2, 3, 6);
        assertThat(CpuPinning.parseList("1")).containsExactly(1);
        assertThat(CpuPinning.parseList("")).isEmpty();
    }

    @Test
    void unpinned_launchesModelsPlainly_andSaysWhy() {
        CpuPinning unpinned = new CpuPinning(-1, -1, "taskset is not installed (util-linux)");

        assertThat(unpinned.pinned()).isFalse();
        assertThat(unpinned.modelLauncher()).isEmpty();
        assertThat(unpinned.describe()).startsWith("unpinned (taskset is not installed");
        assertThat(new CpuPinning(0, 1, null).modelLauncher()).containsExactly("taskset", "-c", "0");
    }
}
