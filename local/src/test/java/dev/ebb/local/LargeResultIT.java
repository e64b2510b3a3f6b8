package dev.ebb.local;

import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.cli.EbbClient;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.config.Settings;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStore.Completion;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.run.ResultSpill;
import dev.ebb.core.store.ObjectStore;
import dev.ebb.core.store.S3ObjectStore;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.local.cloud.ResourceSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Results too large for a job item through the local cloud: a runner on its DynamoDB-compatible server and its S3-compatible
 * store (on disk under the data directory) completes a job whose result is over EBB_LARGE_RESULT_BYTES, and
 * {@code GET /v1/jobs/{id}} through the HTTP gateway returns it inline. The task is a test-only one, so the runner
 * is this test's (the local workers do not know it); everything it talks to is the local cloud's.
 */
class LargeResultIT {
    private static final String TENANT = "large-results";
    private final LocalRuntime ebb = EmbeddedEbb.get();
    private final EbbClient client = EmbeddedEbb.client(TENANT);
    private final Settings settings = Settings.fromEnv(ebb.env());
    private final DynamoDbJobStore jobs = new DynamoDbJobStore(ebb.cloud().dynamoDbClient(), settings.jobsTable());
    private final S3ObjectStore objects = new S3ObjectStore(ebb.cloud().s3Client(), ResourceSpec.BUCKET);
    private final TaskRegistry tasks = TaskRegistry.of(new WideTask());

    @Test
    void aResultOverTheThreshold_isStoredAsAnObjectAndGetReturnsItInline() throws Exception {
        int length = 300 * 1024; // over the default threshold (100 KiB), and alone near the item limit
        Job job = queued(length);

        assertThat(runner(objects).run(List.of(message(job)))).containsExactly(JobRunner.Disposition.DELETE);

        Job stored = jobs.find(job.jobId()).orElseThrow();
        assertThat(stored.result()).as("the item keeps the key").isNull();
        List<S3Object> written = ebb.cloud().s3Client().listObjectsV2(r -> r.bucket(ResourceSpec.BUCKET)
                .prefix("results/" + TENANT + "/" + job.jobId() + "/")).contents();
        assertThat(written).singleElement().satisfies(o -> {
            assertThat(o.key()).isEqualTo(stored.resultRef());
            assertThat(o.size()).isGreaterThan((long) length);
        });

        EbbClient.Response response = client.get(job.jobId());

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(response.body().path("result")).as("the same shape as a small result").isEqualTo(resultOf(length));
        assertThat(response.body().has("resultRef")).as("the key is internal").isFalse();
    }

    @Test
    void aResultWhoseObjectIsGone_getsA410WithTheReason() throws Exception {
        Job job = queued(10);
        String key = ResultSpill.resultKey(TENANT, job.jobId(), "gone-worker#1");
        Instant now = Instant.now();
        jobs.claim(job.jobId(), "gone-worker#1", now.plusSeconds(60), now);
        jobs.completeAll(List.of(new Completion(job.jobId(), Outcome.success(resultOf(10)), key)), "gone-worker#1",
                now, now.plus(Duration.ofHours(1)));

        EbbClient.Response response = client.get(job.jobId());

        assertThat(response.status()).isEqualTo(410);
        assertThat(response.errorCode()).isEqualTo("result_missing");
        assertThat(response.body().path("error").path("message").asText()).contains(key);
    }

    @Test
    void aWorkerWithoutABucket_failsTheLargeResultsJobClearly_andTheRestOfTheBatchCompletes() throws Exception {
        Job big = queued(200 * 1024);
        Job small = queued(10);

        List<JobRunner.Disposition> dispositions = runner(null).run(List.of(message(big), message(small)));

        assertThat(dispositions).containsExactly(JobRunner.Disposition.DELETE, JobRunner.Disposition.DELETE);
        JsonNode failed = client.get(big.jobId()).body();
        assertThat(failed.path("status").asText()).isEqualTo("FAILED");
        assertThat(failed.path("error").path("code").asText()).isEqualTo("result_too_large");
        assertThat(failed.path("error").path("message").asText()).contains("EBB_BUCKET");
        JsonNode done = client.get(small.jobId()).body();
        assertThat(done.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.path("result")).isEqualTo(resultOf(10));
    }

    private JobRunner runner(ObjectStore store) {
        return JobRunner.builder().store(jobs).tasks(tasks).owner("large-result-it")
                .lease(settings.lease()).resultTtl(settings.limits().resultTtl()).clock(Clock.systemUTC())
                .objects(store).largeResultBytes(settings.largeResultBytes()).build();
    }

    private Job queued(int length) {
        Instant now = Instant.now();
        Job job = Job.queued(JobIds.random(), TENANT, "wide", Lane.CPU, null,
                Json.MAPPER.createObjectNode().put("length", length), null, "h", now, now.plus(Duration.ofHours(1)));
        jobs.create(job);
        return job;
    }

    private static QueueMessage message(Job job) {
        return new QueueMessage("m-" + job.jobId(), "r", JobEnvelope.of(job).toJson(), 1);
    }

    private static JsonNode resultOf(int length) {
        return Json.MAPPER.createObjectNode().put("text", "w".repeat(length));
    }

    /** A result of the asked length: the stand-in for a task whose output is large. */
    private static final class WideTask implements Task {
        @Override
        public String name() {
            return "wide";
        }

        @Override
        public Lane lane() {
            return Lane.CPU;
        }

        @Override
        public JsonNode validate(JsonNode input) {
            return input;
        }

        @Override
        public List<Outcome> runBatch(List<JobContext> jobs) {
            List<JsonNode> inputs = JobContext.inputs(jobs);
            return inputs.stream().map(i -> Outcome.success(resultOf(i.path("length").asInt()))).toList();
        }
    }
}
