package dev.ebb.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.testing.TestDynamoDb;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.JobViews;
import dev.ebb.core.api.Limits;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobStore.Completion;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.run.JobRunner.Disposition;
import dev.ebb.core.run.ResultSpill;
import dev.ebb.core.run.ResultSpill.Read;
import dev.ebb.core.run.ResultSpill.Spilled;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TestTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Results too large for a job item, on real local servers (Dynoxide, S3Mock): the spill puts
 * them in the object store before the completion, the item keeps the key, and the API reads them back inline.
 */
class LargeResultTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-large-result";
    private static final int THRESHOLD = 1024;

    private final DynamoDbJobStore jobs = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    private final S3ObjectStore objects = new S3ObjectStore(LocalS3.S3, LocalS3.BUCKET);
    private final ResultSpill spill = new ResultSpill(objects, THRESHOLD);
    private final TaskRegistry tasks = TaskRegistry.of(
            TestTask.each("repeat", i -> Outcome.success(resultOf(i.path("length").asInt()))));
    private final JobService service = JobService.builder().store(jobs).queue(new SentEnvelopes()).tasks(tasks)
            .limits(Limits.DEFAULTS).clock(Clock.systemUTC()).objects(objects).build();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    // ------------------------------------------------------------------------------------------ the spill alone

    @Test
    void completion_whenTheResultIsAtTheThreshold_keepsItInline() {
        Outcome outcome = Outcome.success(text(THRESHOLD));

        Spilled spilled = spill.completion("t1", "j-small", "w#1", outcome);

        assertThat(spilled).isEqualTo(new Spilled.Complete(new Completion("j-small", outcome, null,
                Json.write(text(THRESHOLD)))));
        assertThat(objects.get(ResultSpill.resultKey("t1", "j-small", "w#1"))).isEmpty();
    }

    @Test
    void completion_whenTheResultIsOverTheThreshold_putsItAtTheClaimsKeyAndCompletesWithTheKey() {
        Outcome outcome = Outcome.success(text(THRESHOLD + 1));

        Spilled spilled = spill.completion("t1", "j-big", "worker-7#3", outcome);

        String key = "results/t1/j-big/worker-7#3.json";
        assertThat(spilled).isEqualTo(new Spilled.Complete(new Completion("j-big", outcome, key)));
        assertThat(spill.read(key)).isEqualTo(new Read.Found(((Outcome.Success) outcome).result()));
    }

    @Test
    void completion_ofAFailure_isNeverStored() {
        Outcome failure = Outcome.failure("bad_input", "x".repeat(THRESHOLD * 2));

        assertThat(spill.completion("t1", "j-f", "w#1", failure))
                .isEqualTo(new Spilled.Complete(new Completion("j-f", failure)));
    }

    @Test
    void completion_withoutAnObjectStore_failsTheJobWithResultTooLarge() {
        Spilled spilled = new ResultSpill(null, THRESHOLD).completion("t1", "j-1", "w#1",
                Outcome.success(text(THRESHOLD * 2)));

        assertThat(spilled).isInstanceOfSatisfying(Spilled.Complete.class, complete -> {
            assertThat(complete.completion().resultRef()).isNull();
            assertThat(complete.completion().outcome()).isInstanceOfSatisfying(Outcome.Failure.class, failure -> {
                assertThat(failure.code()).isEqualTo("result_too_large");
                assertThat(failure.message()).contains("EBB_BUCKET");
            });
        });
    }

    @Test
    void completion_whenTheObjectStoreFails_asksForARetry() {
        Spilled spilled = new ResultSpill(new DownStore(), THRESHOLD).completion("t1", "j-1", "w#1",
                Outcome.success(text(THRESHOLD * 2)));

        assertThat(spilled).isInstanceOfSatisfying(Spilled.Retry.class,
                retry -> assertThat(retry.code()).isEqualTo("object_store_unavailable"));
    }

    @Test
    void read_whenTheObjectIsGone_saysMissingWithTheKey() {
        assertThat(spill.read("results/t1/j-gone/w#1.json")).isInstanceOfSatisfying(Read.Missing.class,
                missing -> assertThat(missing.reason()).contains("results/t1/j-gone/w#1.json"));
    }

    // ------------------------------------------------------------------------------------------ through the runner

    @Test
    void run_whenAResultIsLarge_storesItsKeyAndGetReturnsItInline() throws Exception {
        Job job = queued("t1", 5000);
        JobRunner runner = runner(objects);

        assertThat(runner.run(List.of(message(job)))).containsExactly(Disposition.DELETE);

        Job stored = jobs.find(job.jobId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(stored.result()).as("the item holds the key, not the result").isNull();
        assertThat(stored.resultRef()).startsWith("results/t1/" + job.jobId() + "/worker-1#").endsWith(".json");
        Job served = service.get("t1", job.jobId());
        assertThat(served.result().path("text").asText()).hasSize(5000);
        assertThat(JobViews.view(served, Instant.now()).path("result"))
                .as("the client sees the same shape as a small result").isEqualTo(resultOf(5000));
    }

    @Test
    void run_whenALosingClaimPutsItsResultLater_theWinningObjectIsUntouched() throws Exception {
        Job job = queued("t1", 5000);
        runner(objects).run(List.of(message(job)));
        String winning = jobs.find(job.jobId()).orElseThrow().resultRef();
        byte[] before = objects.get(winning).orElseThrow();

        // A stale run of the same job (another claim) finishes after the completion and puts its own result.
        Spilled late = spill.completion("t1", job.jobId(), "worker-9#1", Outcome.success(
                Json.MAPPER.createObjectNode().put("text", "y".repeat(5000))));

        assertThat(late).isInstanceOfSatisfying(Spilled.Complete.class,
                c -> assertThat(c.completion().resultRef()).isNotEqualTo(winning));
        assertThat(objects.get(winning)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(before));
        assertThat(service.get("t1", job.jobId()).result()).isEqualTo(resultOf(5000));
    }

    @Test
    void run_whenTheObjectStoreIsDownAtCompletion_leavesTheJobRunningWithTheLastError() {
        Job job = queued("t1", 5000);

        assertThat(runner(new DownStore()).run(List.of(message(job)))).containsExactly(Disposition.RETRY);

        Job stored = jobs.find(job.jobId()).orElseThrow();
        assertThat(stored.status()).as("not completed: the message comes back").isEqualTo(JobStatus.RUNNING);
        assertThat(stored.lastError().code()).isEqualTo("object_store_unavailable");
        assertThat(stored.lastError().by()).isEqualTo(stored.leaseOwner());
        assertThat(JobViews.view(stored, Instant.now()).path("lastError").path("code").asText())
                .isEqualTo("object_store_unavailable");
    }

    @Test
    void run_withoutABucket_failsOnlyTheLargeResultsJobAndCompletesTheRestOfTheBatch() {
        Job big = queued("t1", 5000);
        Job small = queued("t1", 10);

        List<Disposition> dispositions = runner(null).run(List.of(message(big), message(small)));

        assertThat(dispositions).containsExactly(Disposition.DELETE, Disposition.DELETE);
        Job failed = jobs.find(big.jobId()).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo("result_too_large");
        Job done = jobs.find(small.jobId()).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.result()).isEqualTo(resultOf(10));
    }

    @Test
    void get_whenTheResultObjectIsGone_answers410ResultMissing() {
        Job job = queued("t1", 5000);
        runner(objects).run(List.of(message(job)));
        String key = jobs.find(job.jobId()).orElseThrow().resultRef();
        objects.delete(key);

        assertThatThrownBy(() -> service.get("t1", job.jobId()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(410);
                    assertThat(e.code()).isEqualTo("result_missing");
                    assertThat(e.getMessage()).contains(key).contains("SUCCEEDED");
                });
    }

    @Test
    void get_whenTheObjectStoreIsDown_answers503() {
        Job job = queued("t1", 5000);
        runner(objects).run(List.of(message(job)));
        JobService noReach = JobService.builder().store(jobs).queue(new SentEnvelopes()).tasks(tasks)
                .limits(Limits.DEFAULTS).clock(Clock.systemUTC()).objects(new DownStore()).build();

        assertThatThrownBy(() -> noReach.get("t1", job.jobId()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("object_store_unavailable");
                });
    }

    // ------------------------------------------------------------------------------------------ helpers

    private JobRunner runner(ObjectStore store) {
        return JobRunner.builder().store(jobs).tasks(tasks).owner("worker-1")
                .lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1)).clock(Clock.systemUTC())
                .objects(store).largeResultBytes(THRESHOLD).build();
    }

    private Job queued(String tenant, int length) {
        Instant now = Instant.now();
        Job job = Job.queued(JobIds.random(), tenant, "repeat", Lane.CPU, null,
                Json.MAPPER.createObjectNode().put("length", length), null, "h", now, now.plus(Duration.ofHours(1)));
        jobs.create(job);
        return job;
    }

    private static QueueMessage message(Job job) {
        return new QueueMessage("m-" + job.jobId(), "r", JobEnvelope.of(job).toJson(), 1);
    }

    private static JsonNode text(int jsonBytes) {
        // {"text":"…"} is 11 bytes around the text.
        return Json.MAPPER.createObjectNode().put("text", "x".repeat(jsonBytes - 11));
    }

    private static JsonNode resultOf(int length) {
        return Json.MAPPER.createObjectNode().put("text", "x".repeat(length));
    }


    /** An object store that does not answer, as S3 does in an outage. */
    private static final class DownStore implements ObjectStore {
        @Override
        public void put(String key, byte[] bytes) {
            throw SdkClientException.create("connection refused");
        }

        @Override
        public Optional<byte[]> get(String key) {
            throw SdkClientException.create("connection refused");
        }

        @Override
        public void delete(String key) {
            throw SdkClientException.create("connection refused");
        }
    }

}
