package dev.ebb.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class StackSettingsTest {
    private static final Path INFRA = Synthesized.ROOT.resolve("infra-cdk");

    private static Map<String, Object> valid() {
        Map<String, Object> context = new HashMap<>();
        context.put(StackSettings.REGION, "us-east-1");
        context.put(StackSettings.INSTANCE_TYPE, "g6.xlarge");
        context.put(StackSettings.MAX_WORKERS, 3);
        context.put(StackSettings.FUNCTIONS_JAR, System.getProperty("ebb.functionsJar"));
        return context;
    }

    @Test
    void fromContext_withValidValues_readsThemAndDefaultsTheRest() {
        StackSettings settings = StackSettings.fromContext(valid()::get, INFRA);

        assertThat(settings.region()).isEqualTo("us-east-1");
        assertThat(settings.instanceType()).isEqualTo("g6.xlarge");
        assertThat(settings.maxWorkers()).isEqualTo(3);
        assertThat(settings.queueDepthAlarm()).isEqualTo(1000);
        assertThat(settings.account()).isNull();
        assertThat(settings.workerDirectory()).isEqualTo(Synthesized.ROOT.resolve("gpu-worker"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "instanceType, t3.micro",
            "instanceType, p4d.24xlarge",
            "instanceType, g5.xlarge; rm",
            "instanceType, ''",
            "maxWorkers, 0",
            "maxWorkers, 101",
            "maxWorkers, lots",
            "region, mars-north-1",
            "region, US-EAST-1",
            "account, 1234",
            "queueDepthAlarm, 0",
            "functionsJar, no/such.jar",
            "workerDirectory, /no/such/folder",
            "warmPool, -1",
            "warmPool, 1000"})
    void fromContext_withAnInvalidValue_failsNamingIt(String name, String value) {
        Map<String, Object> context = valid();
        context.put(name, value);

        assertThatThrownBy(() -> StackSettings.fromContext(context::get, INFRA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("context value " + name + " is ")
                .hasMessageContaining("expected");
    }

    @Test
    void fromContext_withoutARegion_failsNamingIt() {
        Map<String, Object> context = valid();
        context.remove(StackSettings.REGION);

        if (System.getenv("CDK_DEFAULT_REGION") == null) {
            assertThatThrownBy(() -> StackSettings.fromContext(context::get, INFRA))
                    .hasMessage("context value region is missing; expected an AWS region such as us-east-1"
                            + " (set it with cdk synth -c region=... or in cdk.json)");
        } else {
            assertThat(StackSettings.fromContext(context::get, INFRA).region()).isEqualTo(System.getenv("CDK_DEFAULT_REGION"));
        }
    }
}
