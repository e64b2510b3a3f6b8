package dev.ebb.core.tenant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;

/**
 * What {@code GET /v1/usage} shows a tenant: its spend and reservations (in the tasks' cost units: 1 is one cheap
 * job), its limits, its cache hits and the worker time they saved. The semantic cache's measured false-hit rate is
 * reported as not measured: that cache is not built yet (docs/architecture.md).
 */
public final class UsageView {
    private UsageView() {
    }

    public static ObjectNode of(TenantState state) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("tenant", state.tenant());
        TenantPolicy policy = state.policy();
        ObjectNode spend = node.putObject("spend").put("spent", state.spent()).put("reserved", state.reserved());
        if (policy.budget() != null) {
            spend.put("budget", policy.budget()).put("available", state.available());
        } else {
            spend.putNull("budget");
        }
        ObjectNode limits = node.putObject("limits").put("disabled", policy.disabled());
        if (policy.ratePerSecond() != null) {
            limits.put("ratePerSecond", policy.ratePerSecond()).put("burst", policy.effectiveBurst());
        } else {
            limits.putNull("ratePerSecond");
        }
        node.putObject("cache").put("hits", state.cacheHits())
                .put("workerSecondsSaved", state.savedMs() / 1000.0);
        node.putObject("semanticCache").put("measured", false).putNull("falseHitRate");
        return node;
    }
}
