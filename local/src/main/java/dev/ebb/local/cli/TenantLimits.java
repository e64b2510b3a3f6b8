package dev.ebb.local.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.api.QueuedJobSweep;
import dev.ebb.core.tenant.TenantPolicy;
import dev.ebb.core.tenant.TenantState;
import dev.ebb.core.tenant.TenantStore;
import dev.ebb.core.tenant.UsageView;
import dev.ebb.functions.DependencyFactory;
import java.util.Map;

/**
 * What {@code ebb keys create|update} does to a tenant's limits, apart from parsing the command line: a change of
 * some of its settings (each given as the user typed it; null leaves the setting as it is, {@code none} removes the
 * limit), applied to the current policy and checked before anything is written. Nonsense — a rate of 0, a burst
 * without a rate, a negative or non-numeric budget — is refused with a message that names the setting.
 *
 * @param rate     requests per second ({@code none}: no rate limit)
 * @param burst    requests allowed at once ({@code none}: one second's worth)
 * @param budget   cost units (1 is one cheap job; {@code none}: no budget)
 * @param disabled {@code true} switches the tenant off (503 tenant_disabled; its queued jobs fail at claim, or are
 *                 cancelled at once with {@code --cancel-queued}: {@link #cancelQueued}), {@code false} on
 */
public record TenantLimits(String rate, String burst, String budget, String disabled) {

    public boolean changesAnything() {
        return rate != null || burst != null || budget != null || disabled != null;
    }

    /** The policy that results from applying this change to {@code current}, checked. */
    public TenantPolicy applyTo(TenantPolicy current) {
        Double newRate = rate == null ? current.ratePerSecond() : decimal("rate", rate);
        Integer newBurst = burst == null ? (newRate == null ? null : current.burst()) : whole("burst", burst);
        Double newBudget = budget == null ? current.budget() : decimal("budget", budget);
        boolean off = disabled == null ? current.disabled() : bool("disabled", disabled);
        try {
            return new TenantPolicy(off, newRate, newBurst, newBudget).check();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("refused: " + e.getMessage() + "; nothing was changed");
        }
    }

    /** Applies the change to the tenant's stored policy and returns what {@code GET /v1/usage} would show. */
    public ObjectNode applyAndShow(TenantStore store, String tenant) {
        TenantState current = store.state(tenant);
        TenantState updated = changesAnything() ? store.setPolicy(tenant, applyTo(current.policy())) : current;
        return UsageView.of(updated);
    }

    /**
     * {@code keys update --cancel-queued}: cancels the tenant's QUEUED jobs with the services the functions build from
     * {@code functionsEnv} (the job service's cancel, its reservation release and metrics; the jobs table's tenant
     * index), as {@code DELETE /v1/jobs/{id}} would one by one. Run after the switch is off, so no new job joins them.
     */
    public static QueuedJobSweep.Swept cancelQueued(Map<String, String> functionsEnv, String tenant) {
        DependencyFactory functions = new DependencyFactory(functionsEnv);
        return new QueuedJobSweep(functions.jobListing(), functions.jobService()).cancelQueued(tenant);
    }

    private static Double decimal(String name, String value) {
        if (value.equalsIgnoreCase("none")) {
            return null;
        }
        try {
            return Double.valueOf(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number or 'none', not '" + value + "'");
        }
    }

    private static Integer whole(String name, String value) {
        if (value.equalsIgnoreCase("none")) {
            return null;
        }
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number or 'none', not '" + value + "'");
        }
    }

    private static boolean bool(String name, String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("--" + name + " must be true or false, not '" + value + "'");
        };
    }
}
