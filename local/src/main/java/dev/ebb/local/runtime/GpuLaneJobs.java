package dev.ebb.local.runtime;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.ebb.core.config.Settings;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.time.Instant;

/**
 * Puts {@code math} jobs on the gpu lane, for the scaler's tests and the cold-start benchmark: the API sends
 * {@code math} to the cpu lane, and the gpu lane's own task ({@code embed}) comes with the model. The two calls are
 * the ones the submit path makes (a conditional put of the QUEUED job, then the message); the worker processes
 * run {@code math} from their task registry like any other task.
 */
public final class GpuLaneJobs {
    private final JobStore store;
    private final JobQueue queue;

    public GpuLaneJobs(LocalRuntime runtime) {
        Settings settings = Settings.fromEnv(runtime.env());
        this.store = new DynamoDbJobStore(runtime.cloud().dynamoDbClient(), settings.jobsTable());
        this.queue = new SqsJobQueue(runtime.cloud().sqsClient(), settings.queueUrls());
    }

    /** Submits "What is {@code text}?" as a math job of {@code tenant} on the gpu lane; returns the job id. */
    public String submitMath(String tenant, String text) {
        Instant now = Instant.now();
        Job job = Job.queued(JobIds.random(), tenant, "math", Lane.GPU, null,
                JsonNodeFactory.instance.objectNode().put("text", text), null, "gpu-lane-math", now,
                now.plus(Duration.ofDays(1)));
        store.create(job);
        queue.send(Lane.GPU, JobEnvelope.of(job));
        return job.jobId();
    }

    /**
     * A burst: every job is recorded first, then the messages are sent in a tight loop, so that they reach the
     * queue within a fraction of a second, as a burst of clients would. Returns the job ids in order.
     */
    public java.util.List<String> submitMathBurst(String tenant, java.util.List<String> texts) {
        Instant now = Instant.now();
        java.util.List<Job> jobs = new java.util.ArrayList<>();
        for (String text : texts) {
            Job job = Job.queued(JobIds.random(), tenant, "math", Lane.GPU, null,
                    JsonNodeFactory.instance.objectNode().put("text", text), null, "gpu-lane-math", now,
                    now.plus(Duration.ofDays(1)));
            store.create(job);
            jobs.add(job);
        }
        jobs.forEach(job -> queue.send(Lane.GPU, JobEnvelope.of(job)));
        return jobs.stream().map(Job::jobId).toList();
    }

    public JobStore store() {
        return store;
    }
}
