package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.api.QueuedJobSweep;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.tenant.DynamoDbTenantStore;
import dev.ebb.core.tenant.TenantPolicy;
import dev.ebb.core.tenant.TenantStore;
import dev.ebb.local.cli.EbbClient;
import dev.ebb.local.cli.TenantLimits;
import dev.ebb.local.runtime.LocalRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ebb keys update --disabled true [--cancel-queued]} on the local cloud's servers: jobs queued while no worker
 * runs are cancelled by the sweep (and their reservations released), or, without it, stay queued and fail
 * {@code tenant_disabled} when a worker claims them.
 */
class TenantSwitchOffIT {

    @Test
    void switchingATenantOff_withCancelQueued_cancelsItsQueuedJobs_andWithoutLeavesThemToFailAtClaim()
            throws Exception {
        Path data = Files.createTempDirectory("ebb-switch-off-");
        LocalRuntime.Options noWorkers = new LocalRuntime.Options(data, "127.0.0.1", 0, 0, 0, 0, 0, Map.of());
        TenantLimits off = new TenantLimits(null, null, null, "true");
        List<String> swept = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        String sweptKey;
        String keptKey;
        try (LocalRuntime ebb = LocalRuntime.start(noWorkers)) {
            sweptKey = ebb.keys().create("switch-swept");
            keptKey = ebb.keys().create("switch-kept");
            EbbClient a = new EbbClient(ebb.apiEndpoint(), sweptKey);
            EbbClient b = new EbbClient(ebb.apiEndpoint(), keptKey);
            TenantStore tenants = new DynamoDbTenantStore(ebb.cloud().dynamoDbClient(),
                    Deployment.TENANTS.defaultName());
            // A budget, so that its jobs reserve (a tenant without one reserves nothing) and the cancel must release.
            tenants.setPolicy("switch-swept", new TenantPolicy(false, null, null, 100.0));
            for (int i = 0; i < 3; i++) {
                swept.add(accepted(a.submit(PipelineIT.math("What is " + i + " times 7?", null))));
                kept.add(accepted(b.submit(PipelineIT.math("What is " + i + " times 8?", null))));
            }
            assertThat(a.usage().body().at("/spend/reserved").asDouble()).isEqualTo(3.0);

            off.applyAndShow(tenants, "switch-swept");
            QueuedJobSweep.Swept result = TenantLimits.cancelQueued(ebb.env(), "switch-swept");
            assertThat(result.cancelled()).isEqualTo(3);
            assertThat(result.moved()).isZero();
            for (String id : swept) {
                assertThat(a.get(id).body().path("status").asText()).isEqualTo("CANCELLED");
            }
            assertThat(a.usage().body().at("/spend/reserved").asDouble()).as("released, uncharged").isZero();
            assertThat(a.usage().body().at("/spend/spent").asDouble()).isZero();
            assertThat(TenantLimits.cancelQueued(ebb.env(), "switch-swept").cancelled())
                    .as("a second sweep finds nothing queued").isZero();

            off.applyAndShow(tenants, "switch-kept"); // without the sweep
            for (String id : kept) {
                assertThat(b.get(id).body().path("status").asText()).isEqualTo("QUEUED");
            }
        }

        // Workers start: the kept jobs are claimed and refused; the cancelled ones' messages find them ended.
        try (LocalRuntime ebb = LocalRuntime.start(LocalRuntime.Options.ephemeral(data))) {
            EbbClient a = new EbbClient(ebb.apiEndpoint(), sweptKey);
            EbbClient b = new EbbClient(ebb.apiEndpoint(), keptKey);
            for (String id : kept) {
                JsonNode job = b.await(id, Duration.ofSeconds(120), j -> { }).body();
                assertThat(job.path("status").asText()).isEqualTo("FAILED");
                assertThat(job.at("/error/code").asText()).isEqualTo("tenant_disabled");
                assertThat(job.path("result").isMissingNode() || job.path("result").isNull()).as("not run").isTrue();
            }
            for (String id : swept) {
                assertThat(a.get(id).body().path("status").asText()).isEqualTo("CANCELLED");
            }
            assertThat(b.usage().body().at("/spend/reserved").asDouble()).isZero();
            assertThat(b.usage().body().at("/spend/spent").asDouble()).as("nothing charged").isZero();
        }
    }

    private static String accepted(EbbClient.Response response) {
        assertThat(response.status()).isEqualTo(202);
        return response.body().path("jobId").asText();
    }
}
