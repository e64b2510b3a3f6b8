package dev.ebb.core.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * One job as a task runs it: the canonical input and who and what it is for. A task that needs the tenant's
 * settings or a conversation's history reads them from here; most read only {@link #input}.
 *
 * @param jobId     the job being run
 * @param tenant    whose job it is (what any tenant-scoped lookup must be keyed by)
 * @param model     the model the job asked for, or null for the worker's default
 * @param sessionId the conversation the job belongs to, or null for a job on its own
 * @param input     the canonical input, as {@link TaskSpec#validate} made it at submit (null only for a malformed
 *                  stored input, which the task then fails)
 */
public record JobContext(String jobId, String tenant, String model, String sessionId, JsonNode input) {
    public JobContext {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(tenant, "tenant");
    }

    /** The inputs of a batch, in order: for tasks that need nothing else. */
    public static List<JsonNode> inputs(List<JobContext> jobs) {
        return jobs.stream().map(JobContext::input).toList();
    }
}
