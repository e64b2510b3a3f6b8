package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.testing.TestDynamoDb;
import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TestTask;
import dev.ebb.core.task.TaskRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/** A run that leaves its jobs for another try writes why on each (lastError), against the DynamoDB-compatible test server. */
class JobRunnerLastErrorTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-last-error";

    private final DynamoDbJobStore store = new DynamoDbJobStore(DYNAMO_DB, TABLE);

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void run_whenTheCompletionIsThrottled_leavesTheJobsRunningWithStoreUnavailable() {
        JobStore throttledCompletions = (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(),
                new Class<?>[] {JobStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("completeAll")) {
                        throw ProvisionedThroughputExceededException.builder().message("throttled").build();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        JobRunner runner = runner(throttledCompletions, echo(false));
        Job a = queued();
        Job b = queued();

        List<JobRunner.Disposition> dispositions = runner.run(List.of(message(a), message(b)));

        assertThat(dispositions).containsOnly(JobRunner.Disposition.RETRY);
        for (Job job : List.of(a, b)) {
            Job stored = store.find(job.jobId()).orElseThrow();
            assertThat(stored.status()).isEqualTo(JobStatus.RUNNING);
            assertThat(stored.lastError().code()).isEqualTo("store_unavailable");
            assertThat(stored.lastError().message()).contains("ProvisionedThroughputExceededException");
            assertThat(stored.lastError().by()).isEqualTo(stored.leaseOwner());
        }
    }

    @Test
    void run_whenTheRunnerItselfFails_recordsWorkerErrorOnTheJobsItHeldAndRethrows() {
        JobRunner runner = runner(store, echo(true));
        Job job = queued();

        assertThatThrownBy(() -> runner.run(List.of(message(job)))).isInstanceOf(StackOverflowError.class);

        Job stored = store.find(job.jobId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(stored.lastError().code()).isEqualTo("worker_error");
        assertThat(stored.lastError().message()).contains("StackOverflowError");
    }

    private static JobRunner runner(JobStore jobs, Task task) {
        return JobRunner.builder().store(jobs).tasks(TaskRegistry.of(task)).owner("worker-1")
                .lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1)).clock(Clock.systemUTC())
                .build();
    }

    private Job queued() {
        Instant now = Instant.now();
        Job job = Job.queued(JobIds.random(), "t", "echo", Lane.CPU, null, Json.MAPPER.createObjectNode(), null, "h",
                now, now.plus(Duration.ofHours(1)));
        store.create(job);
        return job;
    }

    private static QueueMessage message(Job job) {
        return new QueueMessage("m-" + job.jobId(), "r", JobEnvelope.of(job).toJson(), 1);
    }

    /** Returns its input, or throws an Error (which no task failure handling catches). */
    private static Task echo(boolean error) {
        return new TestTask("echo", inputs -> {
            if (error) {
                throw new StackOverflowError("deep");
            }
            return inputs.stream().map(Outcome::success).toList();
        });
    }
}
