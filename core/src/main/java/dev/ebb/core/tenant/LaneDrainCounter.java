package dev.ebb.core.tenant;

import dev.ebb.core.run.CompletionListener;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TaskSpec;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Adds the jobs a runner ended to their lane's counter: one write per lane per batch (the drain rate's source). */
public final class LaneDrainCounter implements CompletionListener {
    private final TenantStore store;
    private final TaskRegistry tasks;

    public LaneDrainCounter(TenantStore store, TaskRegistry tasks) {
        this.store = store;
        this.tasks = tasks;
    }

    @Override
    public void completed(List<Ended> jobs) {
        Map<Lane, Long> byLane = new EnumMap<>(Lane.class);
        for (Ended job : jobs) {
            tasks.find(job.envelope().task()).map(TaskSpec::lane).ifPresent(l -> byLane.merge(l, 1L, Long::sum));
        }
        byLane.forEach(store::addCompleted);
    }
}
