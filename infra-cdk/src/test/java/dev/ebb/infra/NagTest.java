package dev.ebb.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/** cdk-nag's AwsSolutions pack over the stack as synthesized: no error left, and every suppression says why. */
class NagTest {
    @Test
    void awsSolutions_reportsNoUnsuppressedError() {
        Synthesized.TEMPLATE.toJSON(); // synthesized, so the checks have run
        List<SynthesisMessage> errors = Annotations.fromStack(Synthesized.STACK)
                .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));

        assertThat(errors).extracting(m -> m.getId() + ": " + m.getEntry().getData()).isEmpty();
    }

    @Test
    void everySuppression_carriesAReason() {
        JsonNode resources = new ObjectMapper().valueToTree(Synthesized.TEMPLATE.toJSON()).path("Resources");
        List<String> reasons = new ArrayList<>();
        resources.forEach(resource -> resource.at("/Metadata/cdk_nag/rules_to_suppress").forEach(rule -> {
            assertThat(rule.path("id").asText()).startsWith("AwsSolutions-");
            reasons.add(rule.path("reason").asText());
        }));

        assertThat(reasons).isNotEmpty();
        assertThat(reasons).allSatisfy(reason -> assertThat(reason.length()).isGreaterThan(20));
    }
}
