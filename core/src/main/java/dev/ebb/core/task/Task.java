package dev.ebb.core.task;

import java.util.List;

/**
 * A {@link TaskSpec} a worker can run. Implementations are stateless or thread-safe; the runner calls
 * {@link #runBatch} with many jobs at once.
 */
public interface Task extends TaskSpec {

    /**
     * Runs a batch of jobs that all asked for the same model ({@link JobContext#model}; null: the worker's default)
     * — the runner groups jobs by task and model, and tasks without models ignore it. Returns exactly one outcome
     * per job, in the same order. A job that fails yields a {@link Outcome.Failure}; throwing is reserved for
     * failures of the whole batch (the runner then retries the jobs in smaller groups until the one that throws
     * fails alone).
     */
    List<Outcome> runBatch(List<JobContext> jobs);
}
