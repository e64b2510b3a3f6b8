package dev.ebb.local;

import dev.ebb.local.runtime.UploadPoller;
import dev.ebb.local.cli.EbbClient;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.local.cloud.LocalCloud;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Uploads make jobs locally as S3 events do on AWS: a presigned PUT or a plain put under {@code uploads/<tenant>/<task>/}
 * reaches the upload handler once per object version, and bad objects are refused once and never retried
 * ({@link UploadRestartIT}: across a restart). {@code GET /v1/jobs} is how each test finds what an upload made.
 */
class UploadIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void presignedPut_makesOneJob_thatTheListShowsWithItsResult() throws Exception {
        EbbClient client = EmbeddedEbb.client("uploader");
        EbbClient.Response upload = client.createUpload("{\"task\":\"math\",\"filename\":\"question.txt\"}");
        assertThat(upload.status()).as(upload.body().toString()).isEqualTo(201);
        String key = upload.body().path("key").asText();
        assertThat(key).startsWith("uploads/uploader/math/").endsWith("-question.txt");
        assertThat(upload.body().path("method").asText()).isEqualTo("PUT");

        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(upload.body().path("url").asText()))
                .PUT(HttpRequest.BodyPublishers.ofString("What is 6 times 7?")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        JsonNode job = finishedJobOf(client, key);
        assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(job.path("result").path("text").asText()).isEqualTo("6 times 7 = 42");
        assertThat(job.path("uploadKey").asText()).isEqualTo(key);
        assertThat(jobsOf(client, key)).hasSize(1);
    }

    @Test
    void aNewVersionOfAKey_makesASecondJob_andTheSameVersionNone() throws Exception {
        EbbClient client = EmbeddedEbb.client("versions");
        String key = "uploads/versions/math/same-key.txt";
        LocalCloud cloud = EmbeddedEbb.get().cloud();
        cloud.s3Client().putObject(r -> r.bucket("ebb-data").key(key), RequestBody.fromString("What is 1 plus 1?"));
        JsonNode first = finishedJobOf(client, key);
        assertThat(first.path("result").path("text").asText()).isEqualTo("1 plus 1 = 2");

        cloud.s3Client().putObject(r -> r.bucket("ebb-data").key(key), RequestBody.fromString("What is 2 plus 2?"));
        List<JsonNode> jobs = awaitJobs(client, key, 2);
        assertThat(jobs).extracting(j -> j.path("result").path("text").asText())
                .containsExactly("2 plus 2 = 4", "1 plus 1 = 2"); // newest first
    }

    @Test
    void objectsThatCannotBeJobs_areRefusedOnce_andTheNextUploadStillRuns() throws Exception {
        EbbClient client = EmbeddedEbb.client("refusals");
        LocalCloud cloud = EmbeddedEbb.get().cloud();
        String unknownTask = "uploads/refusals/aaa-no-such-task/x.txt";
        String notText = "uploads/refusals/math/aab-binary.bin";
        String malformed = "uploads/refusals/aac-no-name";
        cloud.s3Client().putObject(r -> r.bucket("ebb-data").key(unknownTask), RequestBody.fromString("What is 1 plus 1?"));
        cloud.s3Client().putObject(r -> r.bucket("ebb-data").key(notText),
                RequestBody.fromBytes(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}));
        cloud.s3Client().putObject(r -> r.bucket("ebb-data").key(malformed), RequestBody.fromString("What is 1 plus 1?"));
        String good = "uploads/refusals/math/zzz-good.txt";
        cloud.s3Client().putObject(r -> r.bucket("ebb-data").key(good), RequestBody.fromString("What is 3 plus 3?"));

        // The poller hands objects over in key order, so once the good one's job exists the others were handled.
        assertThat(finishedJobOf(client, good).path("result").path("text").asText()).isEqualTo("3 plus 3 = 6");
        EbbClient.Response all = client.list("limit=100");
        assertThat(all.body().path("jobs")).hasSize(1);
        JsonNode seen = Json.MAPPER.readTree(Files.readString(
                cloud.config().dataDir().resolve(UploadPoller.STATE_FILE))).path("seen");
        assertThat(seen.has(unknownTask)).isTrue();
        assertThat(seen.has(notText)).isTrue();
        assertThat(seen.has(malformed)).isTrue();
    }

    @Test
    void presign_refusesUnknownTasksAndFileNamesWithPaths_with400() throws Exception {
        EbbClient client = EmbeddedEbb.client("presign-errors");
        Map<String, String> cases = Map.of(
                "{\"task\":\"nope\",\"filename\":\"a.txt\"}", "unknown_task",
                "{\"task\":\"math\",\"filename\":\"../a.txt\"}", "invalid_filename",
                "{\"task\":\"math\",\"filename\":\"a/b.txt\"}", "invalid_filename",
                "{\"task\":\"math\",\"filename\":\"..\"}", "invalid_filename",
                "{\"task\":\"math\",\"filename\":\"a..b\"}", "invalid_filename",
                "{\"task\":\"math\"}", "missing_filename",
                "{\"filename\":\"a.txt\"}", "missing_task",
                "[1]", "invalid_request",
                "{", "invalid_json");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            EbbClient.Response response = client.createUpload(c.getKey());
            assertThat(response.status()).as(c.getKey()).isEqualTo(400);
            assertThat(response.errorCode()).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(response.body().path("error").path("message").asText()).as(c.getKey()).isNotEmpty();
        }
    }

    @Test
    void list_pagesNewestFirst_filtersByStatus_andRefusesBadTokensAndFilters() throws Exception {
        EbbClient alice = EmbeddedEbb.client("lister");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            EbbClient.Response accepted = alice.submit(PipelineIT.math("What is " + i + " plus 10?", null));
            ids.add(accepted.body().path("jobId").asText());
            alice.await(ids.get(i), WAIT, j -> { });
        }
        EbbClient.Response first = alice.list("limit=2");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().path("jobs")).extracting(j -> j.path("jobId").asText())
                .containsExactly(ids.get(2), ids.get(1));
        String token = first.body().path("nextToken").asText();
        assertThat(token).isNotEmpty();
        EbbClient.Response second = alice.list("limit=2&nextToken=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        assertThat(second.body().path("jobs")).extracting(j -> j.path("jobId").asText()).containsExactly(ids.get(0));
        assertThat(second.body().has("nextToken")).isFalse();

        assertThat(alice.list("status=succeeded").body().path("jobs")).hasSize(3);
        assertThat(alice.list("status=QUEUED").body().path("jobs")).isEmpty();

        EbbClient bob = EmbeddedEbb.client("other-lister");
        assertThat(bob.list("nextToken=" + URLEncoder.encode(token, StandardCharsets.UTF_8)).errorCode())
                .isEqualTo("invalid_token");
        assertThat(bob.list("").body().path("jobs")).isEmpty();
        assertThat(alice.list("nextToken=not-a-token").errorCode()).isEqualTo("invalid_token");
        assertThat(alice.list("status=DONE").errorCode()).isEqualTo("invalid_status");
        assertThat(alice.list("limit=0").errorCode()).isEqualTo("invalid_limit");
        assertThat(alice.list("limit=abc").status()).isEqualTo(400);
        assertThat(alice.list("colour=red").errorCode()).isEqualTo("invalid_parameter");
    }

    // ---- helpers ----

    /** The first job made from {@code key}, once it has ended. */
    static JsonNode finishedJobOf(EbbClient client, String key) throws Exception {
        return awaitJobs(client, key, 1).get(0);
    }

    /** Polls the list until {@code count} jobs of {@code key} exist and all have ended (or the wait runs out). */
    static List<JsonNode> awaitJobs(EbbClient client, String key, int count) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<JsonNode> jobs = jobsOf(client, key);
        while (System.nanoTime() < deadline && (jobs.size() < count || !jobs.stream().allMatch(UploadIT::ended))) {
            Thread.sleep(100);
            jobs = jobsOf(client, key);
        }
        assertThat(jobs).as("jobs of " + key).hasSize(count);
        return jobs;
    }

    private static boolean ended(JsonNode job) {
        String status = job.path("status").asText();
        return status.equals("SUCCEEDED") || status.equals("FAILED") || status.equals("CANCELLED");
    }

    static List<JsonNode> jobsOf(EbbClient client, String key) throws Exception {
        EbbClient.Response response = client.list("uploadKey=" + URLEncoder.encode(key, StandardCharsets.UTF_8));
        assertThat(response.status()).as(response.body().toString()).isEqualTo(200);
        List<JsonNode> jobs = new ArrayList<>();
        response.body().path("jobs").forEach(jobs::add);
        return jobs;
    }
}
