package dev.ebb.core.tenant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;

/**
 * What {@code GET /v1/usage} shows a tenant: its spend and reservations (in the tasks' cost units: 1 is one cheap
 * job), its limits, its cache hits and the worker time they saved, and the semantic cache's answers with their
 * measured false-hit rate: of the hits run again in the background, the share whose run gave another answer
 * ({@code measured} is false, and the rate null, until a hit has been checked).
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
        SemanticCounts semantic = state.semantic();
        ObjectNode semanticNode = node.putObject("semanticCache").put("measured", semantic.checked() > 0)
                .put("hits", semantic.hits()).put("checked", semantic.checked())
                .put("falseHits", semantic.falseHits());
        if (semantic.falseHitRate() != null) {
            semanticNode.put("falseHitRate", semantic.falseHitRate());
        } else {
            semanticNode.putNull("falseHitRate");
        }
        return node;
    }
}
