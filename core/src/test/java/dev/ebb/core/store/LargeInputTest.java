package dev.ebb.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.testing.TestDynamoDb;
import dev.ebb.core.Json;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.Limits;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TestTask;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A large input end to end in core, on real local servers (Dynoxide, S3Mock): submit puts it
 * in the object store and keeps only its key in the job and the message; the runner reads it back and runs it.
 */
class LargeInputTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-large";
    private static final Limits LIMITS = new Limits(2 * 1024 * 1024, 2 * 1024 * 1024, 200 * 1024,
            Duration.ofDays(1), Duration.ofDays(1));

    private final DynamoDbJobStore jobs = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    private final S3ObjectStore objects = new S3ObjectStore(LocalS3.S3, LocalS3.BUCKET);
    private final SentEnvelopes queue = new SentEnvelopes();
    private final TaskRegistry tasks = TaskRegistry.of(TestTask.each("length", i -> Outcome.success(
            Json.MAPPER.createObjectNode().put("length", i.path("text").asText().length()))));
    private final JobService service = JobService.builder().store(jobs).queue(queue).tasks(tasks).limits(LIMITS)
            .clock(Clock.systemUTC()).objects(objects).build();
    private final JobRunner runner = JobRunner.builder().store(jobs).tasks(tasks).owner("worker-1")
            .lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1)).clock(Clock.systemUTC())
            .objects(objects).build();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void submit_whenTheInputIsAMegabyte_storesItAsAnObjectAndTheRunnerRunsIt() throws Exception {
        String text = "a".repeat(1024 * 1024);

        Job job = service.submit("t1", body(text, null)).job();

        assertThat(job.inputRef()).startsWith("inputs/t1/" + job.jobId() + "/").endsWith(".json");
        assertThat(job.input()).isNull();
        assertThat(objects.get(job.inputRef())).hasValueSatisfying(
                bytes -> assertThat(Json.readTrusted(new String(bytes, StandardCharsets.UTF_8)).path("text")
                        .asText()).isEqualTo(text));
        Job stored = jobs.find(job.jobId()).orElseThrow();
        assertThat(stored.inputRef()).isEqualTo(job.inputRef());
        assertThat(stored.input()).isNull();
        String message = queue.sent.get(0).toJson();
        assertThat(message.length()).as("the message carries the key, not the input").isLessThan(1024);

        assertThat(runner.run(List.of(new QueueMessage("m-1", "r-1", message, 1))))
                .containsExactly(JobRunner.Disposition.DELETE);

        Job done = jobs.find(job.jobId()).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.result().path("length").asInt()).isEqualTo(text.length());
    }

    @Test
    void submit_whenTheInputIsSmall_keepsItInline() throws Exception {
        Job job = service.submit("t1", body("short", null)).job();

        assertThat(job.inputRef()).isNull();
        assertThat(queue.sent.get(0).input().path("text").asText()).isEqualTo("short");
    }

    @Test
    void run_whenTheInputObjectIsMissing_failsTheJobWithTheReasonAndDeletesTheMessage() throws Exception {
        Job job = service.submit("t1", body("b".repeat(300 * 1024), null)).job();
        objects.delete(job.inputRef());

        List<JobRunner.Disposition> dispositions = runner.run(
                List.of(new QueueMessage("m-1", "r-1", queue.sent.get(0).toJson(), 1)));

        assertThat(dispositions).containsExactly(JobRunner.Disposition.DELETE);
        Job failed = jobs.find(job.jobId()).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo("input_missing");
        assertThat(failed.error().message()).contains(job.inputRef());
    }

    @Test
    void submit_whenAnIdempotencyKeyIsReusedWithAnotherLargeInput_isRefusedAndTheFirstInputStays() throws Exception {
        Job first = service.submit("t1", body("c".repeat(300 * 1024), "k-1")).job();

        assertThatThrownBy(() -> service.submit("t1", body("d".repeat(300 * 1024), "k-1")))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("idempotency_key_reused"));

        assertThat(objects.get(first.inputRef())).hasValueSatisfying(bytes ->
                assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("ccc").doesNotContain("ddd"));
    }

    @Test
    void submit_whenThereIsNoObjectStore_refusesALargeInputWith413() {
        JobService noStore = JobService.builder().store(jobs).queue(queue).tasks(tasks).limits(LIMITS)
                .clock(Clock.systemUTC()).build();

        assertThatThrownBy(() -> noStore.submit("t1", body("e".repeat(300 * 1024), null)))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> {
                    assertThat(((ApiException) e).status()).isEqualTo(413);
                    assertThat(e.getMessage()).contains("EBB_BUCKET");
                });
        assertThat(queue.sent).isEmpty();
    }

    private static String body(String text, String idempotencyKey) {
        var node = Json.MAPPER.createObjectNode().put("task", "length");
        node.putObject("input").put("text", text);
        if (idempotencyKey != null) {
            node.put("idempotencyKey", idempotencyKey);
        }
        return Json.write(node);
    }


}
