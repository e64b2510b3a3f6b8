package dev.ebb.local.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.tenant.TenantPolicy;
import org.junit.jupiter.api.Test;

/** {@code ebb keys create|update}'s limits: what a change makes of a policy, and the nonsense it refuses. */
class TenantLimitsTest {
    private static final TenantPolicy LIMITED = new TenantPolicy(false, 5.0, 10, 100.0);

    @Test
    void aChange_keepsWhatItDoesNotName_andNoneRemovesALimit() {
        assertThat(new TenantLimits(null, null, "250", null).applyTo(LIMITED))
                .isEqualTo(new TenantPolicy(false, 5.0, 10, 250.0));
        assertThat(new TenantLimits("none", null, null, "true").applyTo(LIMITED))
                .isEqualTo(new TenantPolicy(true, null, null, 100.0));
        assertThat(new TenantLimits(null, null, "none", null).applyTo(LIMITED).budget()).isNull();
        assertThat(new TenantLimits("2.5", null, null, null).applyTo(TenantPolicy.NONE).effectiveBurst()).isEqualTo(3);
    }

    @Test
    void nonsense_isRefused_namingTheSetting() {
        assertThatThrownBy(() -> new TenantLimits("0", null, null, null).applyTo(LIMITED))
                .hasMessageContaining("rate");
        assertThatThrownBy(() -> new TenantLimits("fast", null, null, null).applyTo(LIMITED))
                .hasMessageContaining("--rate");
        assertThatThrownBy(() -> new TenantLimits(null, "5", null, null).applyTo(TenantPolicy.NONE))
                .hasMessageContaining("a burst needs a rate");
        assertThatThrownBy(() -> new TenantLimits(null, "0", null, null).applyTo(LIMITED))
                .hasMessageContaining("burst");
        assertThatThrownBy(() -> new TenantLimits(null, null, "-3", null).applyTo(LIMITED))
                .hasMessageContaining("budget");
        assertThatThrownBy(() -> new TenantLimits(null, null, "NaN", null).applyTo(LIMITED))
                .hasMessageContaining("budget");
        assertThatThrownBy(() -> new TenantLimits(null, null, null, "maybe").applyTo(LIMITED))
                .hasMessageContaining("--disabled");
    }
}
