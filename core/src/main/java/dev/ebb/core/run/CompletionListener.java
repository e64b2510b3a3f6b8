package dev.ebb.core.run;

import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.Outcome;
import java.util.List;

/**
 * Told of the jobs a runner has just ended — each once, after its completion was written (the first completion wins,
 * so no job is told twice, whichever copy of its message ran): what the result cache, the budget's settlement and
 * the lane's drain counter hang on. A listener that throws is logged; it changes nothing about the jobs.
 */
@FunctionalInterface
public interface CompletionListener {

    void completed(List<Ended> jobs);

    /**
     * One ended job.
     *
     * @param envelope  the job's message as the runner read it (with its input, where it was in the object store)
     * @param outcome   the result or failure written
     * @param computeMs  this job's share of its batch's run time (0 where it did not run)
     * @param similarity for a job answered by meaning (the semantic cache), the similarity of the texts; else null
     */
    record Ended(JobEnvelope envelope, Outcome outcome, long computeMs, Double similarity) {
        public Ended(JobEnvelope envelope, Outcome outcome, long computeMs) {
            this(envelope, outcome, computeMs, null);
        }
    }
}
