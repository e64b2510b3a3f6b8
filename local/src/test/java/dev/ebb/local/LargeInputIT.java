package dev.ebb.local;

import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.cli.EbbClient;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.config.Settings;
import dev.ebb.core.task.Lane;
import dev.ebb.local.cloud.ResourceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Inputs too large for a queue message, through the whole local path: HTTP → object store (S3Mock, on disk
 * under the data directory) → SQS with only the key → gpu worker that reads the object → DynamoDB.
 */
class LargeInputIT {
    private static final Duration WAIT = Duration.ofSeconds(180);
    private final LocalRuntime ebb = EmbeddedEbb.get();
    private final EbbClient alice = EmbeddedEbb.client("alice");

    @Test
    void embedOfAMegabyte_goesThroughTheObjectStoreAndSucceeds() throws Exception {
        ObjectNode request = Json.MAPPER.createObjectNode().put("task", "embed");
        var texts = request.putArray("input");
        for (int i = 0; i < 32; i++) {
            texts.add(("text " + i + " ").repeat(32 * 1024).substring(0, 32 * 1024));
        }
        assertThat(Json.write(request).length()).isGreaterThan(1024 * 1024);

        EbbClient.Response accepted = alice.submit(Json.write(request));
        assertThat(accepted.status()).as(accepted.body().toString()).isEqualTo(202);
        String jobId = accepted.body().path("jobId").asText();

        var objects = ebb.cloud().s3Client().listObjectsV2(r -> r.bucket(ResourceSpec.BUCKET)
                .prefix("inputs/alice/" + jobId + "/")).contents();
        assertThat(objects).singleElement().extracting(S3Object::size).satisfies(
                size -> assertThat(size).isGreaterThan(1024L * 1024));
        assertThat(largestFileUnder(ebb.cloud().config().dataDir().resolve("s3")))
                .as("the object is kept on disk under the data directory").isGreaterThan(1024L * 1024);

        JsonNode job = alice.await(jobId, WAIT, j -> { }).body();
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.path("result").path("embeddings").size()).isEqualTo(32);
        assertThat(job.path("result").path("embeddings").get(31).size()).isEqualTo(384);
        // 32 × 384 numbers are over EBB_LARGE_RESULT_BYTES (16 KiB): the worker stored the result as an object,
        // and GET read it back inline above.
        assertThat(ebb.cloud().s3Client().listObjectsV2(r -> r.bucket(ResourceSpec.BUCKET)
                .prefix("results/alice/" + jobId + "/")).contents()).isNotEmpty();
    }

    @Test
    void aJobWhoseInputObjectIsGone_failsWithTheReason() throws Exception {
        // A job accepted with a large input whose object was then lost (deleted by hand, or by a lifecycle rule).
        String jobId = JobIds.random();
        String key = "inputs/alice/" + jobId + "/0123456789abcdef.json";
        Settings settings = Settings.fromEnv(ebb.env());
        Instant now = Instant.now();
        Job job = Job.queued(jobId, "alice", "embed", Lane.GPU, null, null, null, "0123456789abcdef", now,
                now.plus(Duration.ofHours(1))).withInputRef(key);
        new DynamoDbJobStore(ebb.cloud().dynamoDbClient(), settings.jobsTable()).create(job);
        new SqsJobQueue(ebb.cloud().sqsClient(), settings.queueUrls()).send(Lane.GPU, JobEnvelope.of(job));

        JsonNode done = alice.await(jobId, WAIT, j -> { }).body();

        assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("FAILED");
        assertThat(done.path("error").path("code").asText()).isEqualTo("input_missing");
        assertThat(done.path("error").path("message").asText()).contains(key);
    }

    @Test
    void anInputOverTheMaximum_isRefusedWith413() throws Exception {
        ObjectNode request = Json.MAPPER.createObjectNode().put("task", "embed");
        var texts = request.putArray("input");
        for (int i = 0; i < 6; i++) {
            texts.add("x".repeat(1024 * 1024));
        }

        EbbClient.Response refused = alice.submit(Json.write(request));

        assertThat(refused.status()).isEqualTo(413);
    }

    private static long largestFileUnder(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).max().orElse(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
