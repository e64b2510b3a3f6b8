package dev.ebb.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3BucketEntity;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3Entity;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3ObjectEntity;
import com.amazonaws.services.lambda.runtime.tests.annotations.Event;
import dev.ebb.core.api.Limits;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.task.Lane;
import dev.ebb.core.testing.TestS3;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * UploadHandler against a real S3-compatible server (S3Mock, in process) and the DynamoDB-compatible test server: objects are put
 * through the S3 API, events name them as S3 would, and the jobs are read back from the table.
 */
class UploadHandlerTest {
    private static final String BUCKET = "ebb-data";
    /** The object the sample event names: its key there is form-encoded ({@code +} a space, {@code %2B} a plus). */
    private static final String SAMPLE_KEY = "uploads/acme/math/what is 50+2.txt";
    private static final String SAMPLE_BODY = "What is 50 plus 2?";

    private static S3Client s3;

    private HandlerFixture fixture;

    @BeforeAll
    static void startObjectStore() {
        s3 = TestS3.client();
    }

    @BeforeEach
    void setUp() {
        fixture = HandlerFixture.create();
        fixture.keys.create("acme");
    }

    private UploadHandler handler() {
        return new UploadHandler(s3, fixture.jobService(), Limits.DEFAULTS.maxInputBytes(), BUCKET,
                fixture.jobListing(), fixture.keys);
    }

    @ParameterizedTest
    @Event(value = "events/s3-upload.json", type = S3Event.class)
    void handleRequest_withSampleEvent_queuesOneJobWithTheObjectTextAsInput(S3Event event) {
        put(SAMPLE_KEY, SAMPLE_BODY);

        String summary = handler().handleRequest(event, null);

        assertThat(summary).isEqualTo("accepted=1 refused=0");
        List<Job> stored = storedJobs();
        assertThat(stored).hasSize(1);
        Job job = stored.get(0);
        assertThat(job.tenant()).isEqualTo("acme");
        assertThat(job.task()).isEqualTo("math");
        assertThat(job.lane()).isEqualTo(Lane.CPU);
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.input().path("text").asText()).isEqualTo(SAMPLE_BODY);
        assertThat(job.idempotencyKey()).startsWith("s3-");
        assertThat(fixture.queue.sent()).hasSize(1);
        assertThat(fixture.queue.sent().get(0).envelope().jobId()).isEqualTo(job.jobId());
    }

    @ParameterizedTest
    @Event(value = "events/s3-upload.json", type = S3Event.class)
    void handleRequest_whenS3DeliversTheSameEventTwice_makesOneJob(S3Event event) {
        put(SAMPLE_KEY, SAMPLE_BODY);
        UploadHandler handler = handler();

        handler.handleRequest(event, null);
        UploadHandler.Result second = handler.handle(event.getRecords().get(0));

        assertThat(storedJobs()).hasSize(1);
        assertThat(second).isInstanceOf(UploadHandler.Result.Accepted.class);
        UploadHandler.Result.Accepted replay = (UploadHandler.Result.Accepted) second;
        assertThat(replay.replay()).isTrue();
        assertThat(replay.jobId()).isEqualTo(storedJobs().get(0).jobId());
    }

    @Test
    void handle_whenTheObjectIsReplacedWithNewContent_makesASecondJob() {
        String key = "uploads/acme/math/again.txt";
        PutObjectResponse first = put(key, "What is 1 plus 1?");
        PutObjectResponse second = put(key, "What is 2 plus 2?");
        UploadHandler handler = handler();

        UploadHandler.Result a = handler.handle(record(key, 17, first.eTag()));
        UploadHandler.Result b = handler.handle(record(key, 17, second.eTag()));

        assertThat(a).isInstanceOf(UploadHandler.Result.Accepted.class);
        assertThat(b).isInstanceOf(UploadHandler.Result.Accepted.class);
        assertThat(((UploadHandler.Result.Accepted) b).jobId()).isNotEqualTo(((UploadHandler.Result.Accepted) a).jobId());
        assertThat(storedJobs()).hasSize(2);
    }

    @Test
    void handle_whenTheObjectIsAJsonObject_usesItAsTheInputAsItIs() {
        String key = "uploads/acme/math/question.json";
        String body = "{\"text\": \"What is 7 times 6?\"}";
        PutObjectResponse put = put(key, body);

        UploadHandler.Result result = handler().handle(record(key, body.length(), put.eTag()));

        assertThat(result).isInstanceOf(UploadHandler.Result.Accepted.class);
        Job job = fixture.storedJob(((UploadHandler.Result.Accepted) result).jobId());
        assertThat(job.input().path("text").asText()).isEqualTo("What is 7 times 6?");
        assertThat(job.input().size()).isEqualTo(1);
    }

    @Test
    void handle_whenTheKeyHasAPlusAndSpacesEncoded_readsTheObjectUnderItsRealKey() {
        String key = "uploads/acme/math/a+b c%.txt";
        PutObjectResponse put = put(key, "What is 3 plus 4?");

        UploadHandler.Result result = handler().handle(record("uploads/acme/math/a%2Bb+c%25.txt", 17, put.eTag()));

        assertThat(result).isInstanceOf(UploadHandler.Result.Accepted.class);
        assertThat(storedJobs()).singleElement().satisfies(j -> assertThat(j.input().path("text").asText())
                .isEqualTo("What is 3 plus 4?"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "results/acme/math/x.txt",          // outside uploads/
            "uploads/acme/math/",               // no name
            "uploads/acme/x.txt",               // no task
            "uploads/ACME/math/x.txt",          // not a tenant id
            "uploads/-acme/math/x.txt",         // not a tenant id
            "uploads/acme/math/bad%zz.txt"})    // not URL encoding
    void handle_whenTheKeyIsNotAnUpload_refusesWithoutReadingOrQueueing(String encodedKey) {
        UploadHandler.Result result = handler().handle(record(encodedKey, 10, "e"));

        assertThat(result).isInstanceOf(UploadHandler.Result.Refused.class);
        assertThat(((UploadHandler.Result.Refused) result).code()).isIn("invalid_key", "invalid_tenant");
        assertThat(storedJobs()).isEmpty();
        assertThat(fixture.queue.sent()).isEmpty();
    }

    @Test
    void handle_whenTheTaskIsUnknown_refusesWithTheApisCode() {
        String key = "uploads/acme/paint/x.txt";
        PutObjectResponse put = put(key, "a sunset");

        UploadHandler.Result result = handler().handle(record(key, 8, put.eTag()));

        assertThat(result).isEqualTo(new UploadHandler.Result.Refused("unknown_task",
                "unknown task 'paint' (known: chat, classify, embed, math)"));
        assertThat(storedJobs()).isEmpty();
    }

    @Test
    void handle_whenTheObjectIsLargerThanTheLimit_refusesEvenIfTheEventUnderstatesItsSize() {
        String key = "uploads/acme/math/big.txt";
        PutObjectResponse put = put(key, "What is 1 plus 1? ".repeat(10));
        UploadHandler small = new UploadHandler(s3, fixture.jobService(), 64, BUCKET, fixture.jobListing(),
                fixture.keys);

        UploadHandler.Result byEvent = small.handle(record(key, 180, put.eTag()));
        UploadHandler.Result byBody = small.handle(record(key, 10, put.eTag()));

        assertThat(byEvent).isInstanceOf(UploadHandler.Result.Refused.class)
                .extracting(r -> ((UploadHandler.Result.Refused) r).code()).isEqualTo("object_too_large");
        assertThat(byBody).isInstanceOf(UploadHandler.Result.Refused.class)
                .extracting(r -> ((UploadHandler.Result.Refused) r).code()).isEqualTo("object_too_large");
        assertThat(storedJobs()).isEmpty();
    }

    @Test
    void handle_whenTheBodyIsNotUtf8OrBrokenJson_refuses() {
        String binary = "uploads/acme/math/binary.bin";
        String broken = "uploads/acme/math/broken.json";
        PutObjectResponse a = s3.putObject(r -> r.bucket(BUCKET).key(binary),
                RequestBody.fromBytes(new byte[] {(byte) 0xC3, (byte) 0x28, 0x41}));
        PutObjectResponse b = put(broken, "{\"text\": \"What is 1 plus");

        UploadHandler.Result notText = handler().handle(record(binary, 3, a.eTag()));
        UploadHandler.Result notJson = handler().handle(record(broken, 24, b.eTag()));

        assertThat(((UploadHandler.Result.Refused) notText).code()).isEqualTo("invalid_encoding");
        assertThat(((UploadHandler.Result.Refused) notJson).code()).isEqualTo("invalid_json");
        assertThat(storedJobs()).isEmpty();
    }

    @Test
    void handle_whenTheEventIsFromAnotherBucket_refusesWithoutReading() {
        S3ObjectEntity object = new S3ObjectEntity(SAMPLE_KEY, 18L, "e", null, "0A1B");
        S3EventNotificationRecord other = new S3EventNotificationRecord("us-east-1", "ObjectCreated:Put", "aws:s3",
                null, "2.1", null, null,
                new S3Entity("x", new S3BucketEntity("someone-else", null, "arn:aws:s3:::someone-else"), object, "1.0"),
                null);

        UploadHandler.Result result = handler().handle(other);

        assertThat(((UploadHandler.Result.Refused) result).code()).isEqualTo("unexpected_bucket");
        assertThat(storedJobs()).isEmpty();
    }

    @Test
    void handle_whenTheObjectWasDeletedBeforeTheEventArrived_refuses() {
        UploadHandler.Result result = handler().handle(record("uploads/acme/math/gone.txt", 5, "e"));

        assertThat(((UploadHandler.Result.Refused) result).code()).isEqualTo("object_gone");
    }

    @Test
    void handleRequest_withOneGoodAndOneBadRecord_acceptsTheGoodOne() {
        String key = "uploads/acme/math/good.txt";
        PutObjectResponse put = put(key, "What is 9 minus 4?");
        S3Event event = new S3Event(List.of(record("uploads/acme/math/missing.txt", 3, "e"),
                record(key, 18, put.eTag())));

        assertThat(handler().handleRequest(event, null)).isEqualTo("accepted=1 refused=1");
        assertThat(storedJobs()).singleElement().satisfies(j -> assertThat(j.status()).isEqualTo(JobStatus.QUEUED));
    }

    @Test
    void handleRequest_whenTheQueueIsUnreachable_throwsSoLambdaRetriesAndKeepsNoJob() {
        HandlerFixture unreachable = HandlerFixture.withUnreachableQueue();
        String key = "uploads/acme/math/retry.txt";
        PutObjectResponse put = put(key, "What is 6 times 7?");
        unreachable.keys.create("acme");
        UploadHandler handler = new UploadHandler(s3, unreachable.jobService(), Limits.DEFAULTS.maxInputBytes(), BUCKET,
                unreachable.jobListing(), unreachable.keys);

        assertThatThrownBy(() -> handler.handleRequest(new S3Event(List.of(record(key, 18, put.eTag()))), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("queue_unavailable");
        assertThat(unreachable.allJobItems()).isEmpty();
    }

    /** Anyone who may put under uploads/ could name any tenant: a tenant without a key gets no job. */
    @Test
    void handle_whenTheTenantHasNoKey_refusesAndMakesNoJob() {
        String key = "uploads/ghost/math/q.txt";
        PutObjectResponse put = put(key, "What is 1 plus 1?");

        UploadHandler.Result result = handler().handle(record(key, 17, put.eTag()));

        assertThat(result).isInstanceOfSatisfying(UploadHandler.Result.Refused.class,
                r -> assertThat(r.code()).isEqualTo("unknown_tenant"));
        assertThat(storedJobs()).isEmpty();

        fixture.keys.create("ghost");
        assertThat(handler().handle(record(key, 17, put.eTag()))).isInstanceOf(UploadHandler.Result.Accepted.class);
    }

    /** The marker that says a tenant exists: written by create, idempotent, never usable as a key. */
    @Test
    void tenantMarker_isWrittenByCreate_idempotent_andNotAKey() {
        assertThat(fixture.keys.tenantExists("acme")).isTrue();
        assertThat(fixture.keys.tenantExists("nobody")).isFalse();
        assertThat(fixture.keys.tenantExists("NOT A TENANT")).isFalse();
        fixture.keys.registerTenant("acme");
        fixture.keys.registerTenant("later");
        assertThat(fixture.keys.tenantExists("later")).isTrue();
        assertThat(fixture.keys.tenantOf("tenant#acme")).isEmpty();
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static PutObjectResponse put(String key, String body) {
        return s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(body, StandardCharsets.UTF_8));
    }

    /** A record as S3 sends it: the key form-encoded by the caller, size and ETag as S3 reported them. */
    private static S3EventNotificationRecord record(String encodedKey, long size, String eTag) {
        S3ObjectEntity object = new S3ObjectEntity(encodedKey, size, eTag, null, "0A1B");
        S3Entity s3Entity = new S3Entity("ebb-uploads", new S3BucketEntity(BUCKET, null, "arn:aws:s3:::" + BUCKET),
                object, "1.0");
        return new S3EventNotificationRecord("us-east-1", "ObjectCreated:Put", "aws:s3", null, "2.1", null, null,
                s3Entity, null);
    }

    private List<Job> storedJobs() {
        return fixture.allJobItems().stream().map(item -> fixture.storedJob(item.get("jobId").s())).toList();
    }
}
