package dev.ebb.core.tenant;

import dev.ebb.core.run.CompletionListener;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TaskSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The second phase of the budget: a job that ends settles what was reserved for it — a success is charged its
 * estimate, a failure or an answer by meaning nothing (refused at claim, bad input, a task error; the semantic
 * cache's answers, free as exact hits are). A success nothing was reserved for (its
 * tenant has no budget) is charged its estimate too, so every tenant's spend is known. The amount is the task's estimate of the
 * job's canonical input, computed again here, so a message cannot say it reserved more than its job costs; where
 * the input is not at hand (it could not be read) the message's amount, capped by nothing better, is released.
 */
public final class BudgetSettlement implements CompletionListener {
    private final TenantStore store;
    private final TaskRegistry tasks;

    public BudgetSettlement(TenantStore store, TaskRegistry tasks) {
        this.store = store;
        this.tasks = tasks;
    }

    /**
     * Settles a batch's jobs with one write per tenant, not one per job: a worker's batch is mostly one tenant's
     * work, and the tenant's item is the hottest item of the tables (every submit reserves on it). Should the summed
     * settlement find less reserved than it releases (a job accepted before its deployment reserved budgets), each
     * job is settled alone, so the others' are not lost with it.
     */
    @Override
    public void completed(List<Ended> jobs) {
        Map<String, List<Settlement>> byTenant = new LinkedHashMap<>();
        for (Ended job : jobs) {
            // An answer the semantic cache gave ran no model: free, as an exact cache hit is.
            boolean success = job.outcome() instanceof Outcome.Success && job.similarity() == null;
            double envelopeReserved = job.envelope().reserved();
            if (envelopeReserved <= 0 && !success) {
                continue; // nothing reserved, nothing to charge
            }
            double estimate = envelopeReserved;
            Optional<TaskSpec> task = tasks.find(job.envelope().task());
            if (task.isPresent() && job.envelope().input() != null) {
                estimate = task.get().costEstimate(job.envelope().input());
            }
            // Unreserved (a tenant without a budget, a message sent again by a replay or the reconciler): a success
            // is charged all the same, once — only the first completion of a job reaches its listeners.
            double reserved = envelopeReserved > 0 ? estimate : 0;
            double charged = success ? estimate : 0;
            byTenant.computeIfAbsent(job.envelope().tenant(), t -> new ArrayList<>())
                    .add(new Settlement(reserved, charged));
        }
        byTenant.forEach((tenant, settlements) -> {
            Settlement sum = settlements.stream().reduce(new Settlement(0, 0), Settlement::plus);
            if (!store.settle(tenant, sum.reserved(), sum.charged()) && settlements.size() > 1) {
                settlements.forEach(one -> store.settle(tenant, one.reserved(), one.charged()));
            }
        });
    }

    /** One job's part of a settlement: what is released from {@code reserved}, and what is charged. */
    private record Settlement(double reserved, double charged) {
        Settlement plus(Settlement other) {
            return new Settlement(reserved + other.reserved, charged + other.charged);
        }
    }

    /**
     * Releases, uncharged, what a job cancelled before it ended had reserved: a cancel is that job's only end (the
     * runner's completion of a cancelled job fails), so this runs once per job. A job whose input is in the object
     * store (not in the item) cannot be priced here: its reservation stays (docs/architecture.md).
     */
    public void cancelled(dev.ebb.core.job.Job job) {
        Optional<TaskSpec> task = tasks.find(job.task());
        if (task.isPresent() && job.input() != null) {
            store.settle(job.tenant(), task.get().costEstimate(job.input()), 0);
        }
    }
}
