package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.job.DeadLetterStore;
import dev.ebb.core.job.DynamoDbDeadLetterStore;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.job.LastError;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.queue.ReceivedJob;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TestTask;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Healthy jobs are not failed for crashes they did not cause, and a poison job still ends, within
 * {@link Deployment#MAX_RUNS} runs: the runner against the DynamoDB-compatible test server (Dynoxide). A crash is a
 * run whose worker dies: its claim is taken and never finished, and its lease lapses.
 */
class JobRunnerCrashTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-crash";
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final DynamoDbJobStore store = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    private final DeadLetterStore deadLetters = new DynamoDbDeadLetterStore(DYNAMO_DB, TABLE);
    private final MovingClock clock = new MovingClock(Instant.now());
    /** The inputs of every runBatch call, in order. */
    private final List<List<String>> calls = new ArrayList<>();
    private final JobRunner runner = JobRunner.builder().store(store)
            .tasks(TaskRegistry.of(new TestTask("echo", this::echo))).owner("worker-2").lease(LEASE)
            .resultTtl(Duration.ofHours(1)).clock(clock).deadLetters(deadLetters, Duration.ofDays(14)).build();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void run_whenAJobsLastRunVanished_runsItAloneAndItsBatchMatesTogether() {
        String crashed = create("a");
        String fresh1 = create("b");
        String fresh2 = create("c");
        vanish(List.of(crashed), "worker-1#1"); // its worker died while it ran in some batch

        List<JobRunner.Disposition> dispositions = runner.run(List.of(message(crashed, 2), message(fresh1, 1),
                message(fresh2, 1)));

        assertThat(dispositions).containsOnly(JobRunner.Disposition.DELETE);
        assertThat(calls).as("the job whose run vanished ran alone, first").containsExactly(List.of("a"),
                List.of("b", "c"));
        Job job = store.find(crashed).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.attempts()).isEqualTo(2);
        assertThat(job.runsAlone()).isTrue();
        assertThat(job.crashedAlone()).as("a batched run that vanished is not counted against the job").isZero();
        assertThat(store.find(fresh1).orElseThrow().runsAlone()).isFalse();
    }

    @Test
    void run_whenBatchMatesOfAPoisonInputComeBackWithIt_noneOfThemIsBlamed() {
        // A poison input and three healthy ones share a batch whose worker dies; they all come back together each
        // time (their visibility lapses at once), and the worker dies each time it runs the poison.
        String h1 = create("h1");
        String poison = create("poison");
        List<String> healthy = List.of(h1, create("h2"), create("h3"));
        List<String> all = List.of(h1, poison, healthy.get(1), healthy.get(2));
        vanish(all, "worker-1#1");
        int crashes = 0;
        for (int receive = 2; receive <= 2 + Deployment.MAX_RUNS; receive++) {
            int r = receive;
            if (!crashOrFinish(all.stream().map(jobId -> message(jobId, r)).toList())) {
                break;
            }
            crashes++;
            clock.advance(LEASE.plusSeconds(1));
        }

        assertThat(crashes).as("the worker died on the poison until it was taken as poison")
                .isEqualTo(Deployment.MAX_RUNS - 1);
        Job p = store.find(poison).orElseThrow();
        assertThat(p.status()).isEqualTo(JobStatus.FAILED);
        assertThat(p.error().code()).isEqualTo(DeadLetterStore.CODE);
        assertThat(p.attempts()).as("within MAX_RUNS runs").isLessThanOrEqualTo(Deployment.MAX_RUNS);
        for (String jobId : healthy) {
            Job h = store.find(jobId).orElseThrow();
            assertThat(h.status()).as("healthy %s", jobId).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(h.crashedAlone()).as("healthy %s is never blamed", jobId).isZero();
        }
    }

    @Test
    void run_whenEveryRunAloneVanishes_endsThePoisonJobDeadLetteredAndARedriveStartsItsCountAgain() {
        String poison = create("poison");
        vanish(List.of(poison), "worker-1#1");
        for (int alone = 0; alone < Deployment.MAX_RUNS - 1; alone++) {
            assertThat(crashOrFinish(List.of(message(poison, 2 + alone)))).as("crashed").isTrue();
            Job crashed = store.find(poison).orElseThrow();
            assertThat(crashed.runsAlone()).isTrue();
            assertThat(crashed.crashedAlone()).isEqualTo(alone);
            clock.advance(LEASE.plusSeconds(1));
        }
        int runs = calls.size();

        assertThat(runner.run(List.of(message(poison, 7)))).containsExactly(JobRunner.Disposition.DELETE);

        assertThat(calls).as("a poison job is not run again").hasSize(runs);
        Job failed = store.find(poison).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo("dead_lettered");
        assertThat(failed.attempts()).isEqualTo(Deployment.MAX_RUNS);
        assertThat(failed.error().message()).contains("4 runs that ran it alone").contains("5 runs started")
                .contains("received 7 times").contains("a redrive queues it again");
        assertThat(DYNAMO_DB.getItem(r -> r.tableName(TABLE).key(java.util.Map.of("jobId",
                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(poison)))).item())
                .as("marked for redrive").containsKey("deadLetterLane");

        assertThat(deadLetters.reopen(poison, clock.instant(), clock.instant().plus(Duration.ofDays(1))))
                .isInstanceOf(DeadLetterStore.ReopenResult.Queued.class);
        Job reopened = store.find(poison).orElseThrow();
        assertThat(reopened.crashedAlone()).as("a redrive (after a fix) starts the count again").isZero();
        assertThat(reopened.runsAlone()).isFalse();
    }

    @Test
    void run_whenAJobClaimedAloneNeverStarted_itsVanishedRunIsNotCounted() {
        String jobId = create("x");
        vanish(List.of(jobId), "worker-1#1");
        JobRunner.Batch batch = runner.prepare(List.of(ReceivedJob.of(message(jobId, 2))));
        runner.release(batch); // the worker died before it ran the job (something else killed it)
        clock.advance(LEASE.plusSeconds(1));

        assertThat(runner.run(List.of(message(jobId, 3)))).containsExactly(JobRunner.Disposition.DELETE);
        Job done = store.find(jobId).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.crashedAlone()).isZero();
        assertThat(done.attempts()).as("one run in a batch, one alone; the claim that never ran is not a run")
                .isEqualTo(2);
    }

    @Test
    void run_whenTheLastRunRecordedAnError_claimsTheJobWithItsBatch() {
        String jobId = create("x");
        vanish(List.of(jobId), "worker-1#1");
        store.recordError(jobId, new LastError("store_unavailable", "not written", clock.instant(), "worker-1#1"));

        assertThat(runner.run(List.of(message(jobId, 2), message(create("y"), 1))))
                .containsOnly(JobRunner.Disposition.DELETE);
        assertThat(calls).as("its worker did not die: it runs with its batch").hasSize(1);
        assertThat(calls.get(0)).containsExactlyInAnyOrder("x", "y");
        assertThat(store.find(jobId).orElseThrow().runsAlone()).isFalse();
    }

    private List<Outcome> echo(List<JsonNode> inputs) {
        List<String> texts = inputs.stream().map(i -> i.path("text").asText()).toList();
        calls.add(texts);
        if (texts.contains("poison")) {
            throw new WorkerDied();
        }
        return inputs.stream().map(i -> Outcome.success(i)).toList();
    }

    /**
     * One worker's go at the messages: its batch is claimed and run; a poison input kills the worker (nothing after
     * it runs or is completed, its claims just lapse). True when the worker died.
     */
    private boolean crashOrFinish(List<QueueMessage> messages) {
        JobRunner.Batch batch = runner.prepare(messages.stream().map(ReceivedJob::of).toList());
        try {
            runner.execute(batch);
        } catch (WorkerDied e) {
            runner.release(batch);
            return true;
        }
        runner.finish(batch);
        return false;
    }

    /** Stands for the death of the worker process (as a model runtime that aborts would cause). */
    private static final class WorkerDied extends Error {
    }

    private String create(String text) {
        String jobId = JobIds.random();
        Instant now = clock.instant();
        store.create(Job.queued(jobId, "t", "echo", Lane.CPU, null, Json.MAPPER.createObjectNode().put("text", text),
                null, "h", now, now.plus(Duration.ofHours(1))));
        return jobId;
    }

    /** A worker claims the jobs in one batch and dies: the claim stays, its lease lapses. */
    private void vanish(List<String> jobIds, String owner) {
        store.claimAll(jobIds, owner, clock.instant().plus(LEASE), clock.instant());
        clock.advance(LEASE.plusSeconds(1));
    }

    private QueueMessage message(String jobId, int receiveCount) {
        JobEnvelope envelope = new JobEnvelope(JobEnvelope.CURRENT_VERSION, jobId, "t", "echo", null,
                store.find(jobId).orElseThrow().input());
        return new QueueMessage("m-" + jobId + "-" + receiveCount, "h-" + receiveCount, envelope.toJson(),
                receiveCount);
    }

    /** A clock the test moves past leases. */
    private static final class MovingClock extends Clock {
        private volatile Instant now;

        MovingClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
