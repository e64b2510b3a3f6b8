package dev.ebb.local;

import dev.ebb.local.cli.EbbClient;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The whole path over real HTTP, SQS and DynamoDB servers: submit, queue, cpu lane, result, read. */
class PipelineIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final EbbClient alice = EmbeddedEbb.client("alice");

    @Test
    void seedExample_isAcceptedQueuedRunAndReadBack() throws Exception {
        Instant before = Instant.now();
        EbbClient.Response accepted = alice.submit(math("What is 50 divided by 2?", null));

        assertThat(accepted.status()).isEqualTo(202);
        assertThat(accepted.body().path("status").asText()).isEqualTo("QUEUED");
        String jobId = accepted.body().path("jobId").asText();
        assertThat(jobId).matches("j_[0-9a-z]{26}");

        JsonNode job = alice.await(jobId, WAIT, j -> { }).body();
        assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(job.path("result").path("text").asText()).isEqualTo("50 divided by 2 = 25");
        assertThat(job.path("result").path("value").asInt()).isEqualTo(25);
        assertThat(job.path("attempts").asInt()).isEqualTo(1);
        JsonNode timings = job.path("timings");
        Instant queued = Instant.parse(timings.path("queuedAt").asText());
        Instant started = Instant.parse(timings.path("startedAt").asText());
        Instant finished = Instant.parse(timings.path("finishedAt").asText());
        assertThat(queued).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(started).isAfterOrEqualTo(queued);
        assertThat(finished).isAfterOrEqualTo(started);
    }

    @Test
    void unsolvableText_endsFailedWithItsReason() throws Exception {
        String jobId = alice.submit(math("What is 7 divided by 0?", null)).body().path("jobId").asText();

        JsonNode job = alice.await(jobId, WAIT, j -> { }).body();

        assertThat(job.path("status").asText()).isEqualTo("FAILED");
        assertThat(job.path("error").path("code").asText()).isEqualTo("division_by_zero");
        assertThat(job.path("error").path("message").asText()).contains("7");
    }

    @Test
    void sameIdempotencyKey_returnsTheSameJob_andADifferentRequestWithItIsRefused() throws Exception {
        String key = "order-" + UUID.randomUUID();
        EbbClient.Response first = alice.submit(math("What is 2 plus 2?", key));
        EbbClient.Response again = alice.submit(math("What is 2 plus 2?", key));
        EbbClient.Response reused = alice.submit(math("What is 3 plus 3?", key));

        assertThat(first.status()).isEqualTo(202);
        assertThat(again.status()).isIn(200, 202);
        assertThat(again.body().path("jobId").asText()).isEqualTo(first.body().path("jobId").asText());
        assertThat(reused.status()).isEqualTo(409);
        assertThat(reused.errorCode()).isEqualTo("idempotency_key_reused");
        JsonNode job = alice.await(first.body().path("jobId").asText(), WAIT, j -> { }).body();
        assertThat(job.path("result").path("text").asText()).isEqualTo("2 plus 2 = 4");
    }

    @Test
    void anotherTenant_cannotSeeOrCancelTheJob_andGetsTheSame404AsForNoJob() throws Exception {
        EbbClient mallory = EmbeddedEbb.client("mallory");
        String jobId = alice.submit(math("What is 1 plus 1?", null)).body().path("jobId").asText();

        EbbClient.Response read = mallory.get(jobId);
        EbbClient.Response cancel = mallory.cancel(jobId);
        EbbClient.Response unknown = mallory.get("j_00000000000000000000000000");

        assertThat(read.status()).isEqualTo(404);
        assertThat(cancel.status()).isEqualTo(404);
        assertThat(read.errorCode()).isEqualTo("not_found").isEqualTo(unknown.errorCode());
        assertThat(alice.await(jobId, WAIT, j -> { }).body().path("status").asText()).isEqualTo("SUCCEEDED");
    }

    @Test
    void cancellingAFinishedJob_isAConflict() throws Exception {
        String jobId = alice.submit(math("What is 9 minus 3?", null)).body().path("jobId").asText();
        alice.await(jobId, WAIT, j -> { });

        EbbClient.Response cancel = alice.cancel(jobId);

        assertThat(cancel.status()).isEqualTo(409);
        assertThat(cancel.errorCode()).isEqualTo("job_finished");
    }

    @Test
    void manyConcurrentJobs_allEndWithTheirOwnAnswer() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(alice.submit(math("What is " + i + " times 3?", null)).body().path("jobId").asText());
        }
        for (int i = 0; i < ids.size(); i++) {
            JsonNode job = alice.await(ids.get(i), WAIT, j -> { }).body();
            assertThat(job.path("result").path("text").asText()).isEqualTo(i + " times 3 = " + (i * 3));
        }
    }

    static String math(String text, String idempotencyKey) {
        var request = Json.MAPPER.createObjectNode().put("task", "math");
        request.putObject("input").put("text", text);
        if (idempotencyKey != null) {
            request.put("idempotencyKey", idempotencyKey);
        }
        return Json.write(request);
    }
}
