package dev.ebb.functions;

import static dev.ebb.functions.HandlerFixture.body;
import static dev.ebb.functions.HandlerFixture.httpEvent;
import static dev.ebb.functions.HandlerFixture.submitEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.Limits;
import dev.ebb.core.auth.ApiKeys;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.task.Lane;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SubmitJobHandlerTest {
    private static final String SAMPLE_BODY =
            "{\"task\":\"math\",\"input\":{\"text\":\"What is 50 divided by 2?\"},\"idempotencyKey\":\"sample-1\"}";

    private HandlerFixture fixture;
    private String key;

    @BeforeEach
    void setUp() {
        fixture = HandlerFixture.create();
        key = fixture.keys.create("acme");
    }

    @Test
    void prime_runsTheWholeHandlerOnce_withoutMakingAJob() {
        SubmitJobHandler handler = fixture.submitHandler();

        assertThat(handler.prime()).isEqualTo(401);

        assertThat(fixture.queue.sent()).isEmpty();
        APIGatewayV2HTTPResponse after = handler.handleRequest(httpEvent("submit-job.json", key), null);
        assertThat(after.getStatusCode()).isEqualTo(202); // priming left nothing behind that changes a real request
        assertThat(fixture.queue.sent()).hasSize(1);
    }

    @Test
    void handleRequest_withSampleEvent_returns202AndStoresAndQueuesTheJob() {
        APIGatewayV2HTTPResponse response = fixture.submitHandler().handleRequest(httpEvent("submit-job.json", key), null);

        assertThat(response.getStatusCode()).isEqualTo(202);
        assertThat(response.getHeaders()).containsEntry("content-type", "application/json");
        JsonNode body = body(response);
        String jobId = body.path("jobId").asText();
        assertThat(JobIds.isValid(jobId)).as("job id %s", jobId).isTrue();
        assertThat(body.path("status").asText()).isEqualTo("QUEUED");

        Job stored = fixture.storedJob(jobId);
        assertThat(stored.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(stored.tenant()).isEqualTo("acme");
        assertThat(stored.expiresAt()).isAfter(Instant.now());
        assertThat(fixture.rawItem(jobId).get("expiresAt").n()).isNotNull();

        assertThat(fixture.queue.sent()).hasSize(1);
        RecordingJobQueue.Sent sent = fixture.queue.sent().get(0);
        assertThat(sent.lane()).isEqualTo(Lane.CPU);
        assertThat(sent.envelope().jobId()).isEqualTo(jobId);
        assertThat(sent.envelope().tenant()).isEqualTo("acme");
        assertThat(sent.envelope().task()).isEqualTo("math");
        assertThat(sent.envelope().input().path("text").asText()).isEqualTo("What is 50 divided by 2?");
    }

    @Test
    void handleRequest_whenApiKeyComesAsXApiKeyHeader_accepts() {
        APIGatewayV2HTTPEvent event = httpEvent("submit-job.json", null);
        Map<String, String> headers = new HashMap<>(event.getHeaders());
        headers.put("X-Api-Key", key);
        event.setHeaders(headers);

        assertThat(fixture.submitHandler().handleRequest(event, null).getStatusCode()).isEqualTo(202);
    }

    @Test
    void handleRequest_whenSameIdempotencyKeyAgain_returnsSameJobAndStoresOneItem() {
        SubmitJobHandler handler = fixture.submitHandler();

        APIGatewayV2HTTPResponse first = handler.handleRequest(httpEvent("submit-job.json", key), null);
        APIGatewayV2HTTPResponse second = handler.handleRequest(httpEvent("submit-job.json", key), null);

        assertThat(second.getStatusCode()).isEqualTo(202);
        String jobId = body(first).path("jobId").asText();
        assertThat(body(second).path("jobId").asText()).isEqualTo(jobId);
        assertThat(fixture.allJobItems()).hasSize(1);
        assertThat(fixture.queue.sent()).allSatisfy(sent -> assertThat(sent.envelope().jobId()).isEqualTo(jobId));
    }

    @Test
    void handleRequest_whenReplaysOfAFreshQueuedJob_sendItsMessageOnce() {
        SubmitJobHandler handler = fixture.submitHandler();

        for (int i = 0; i < 5; i++) {
            assertThat(handler.handleRequest(httpEvent("submit-job.json", key), null).getStatusCode()).isEqualTo(202);
        }

        // Its message cannot have been lost yet: a client's retries must not queue a copy each.
        assertThat(fixture.queue.sent()).hasSize(1);
    }

    @Test
    void handleRequest_whenReplayFindsJobQueuedWithNoRunPastTheResendPeriod_sendsItsMessageAgain() {
        String jobId = body(fixture.submitHandler().handleRequest(httpEvent("submit-job.json", key), null))
                .path("jobId").asText();
        Clock later = Clock.offset(fixture.clock, JobService.DEFAULT_RESEND_AFTER.plusSeconds(1));
        SubmitJobHandler laterHandler = new SubmitJobHandler(fixture.gateway(), JobService.builder()
                .store(fixture.jobs).queue(fixture.queue).tasks(DependencyFactory.tasks(Map.of()))
                .limits(Limits.DEFAULTS).clock(later).build(), later);

        APIGatewayV2HTTPResponse replay = laterHandler.handleRequest(httpEvent("submit-job.json", key), null);

        // Waiting that long with no run, its message may be gone (a crash between the writes): the replay heals it.
        assertThat(replay.getStatusCode()).isEqualTo(202);
        assertThat(fixture.queue.sent()).hasSize(2)
                .allSatisfy(sent -> assertThat(sent.envelope().jobId()).isEqualTo(jobId));
    }

    @Test
    void handleRequest_whenSameIdempotencyKeyFromAnotherTenant_createsAnotherJob() {
        String otherKey = fixture.keys.create("globex");

        String mine = body(fixture.submitHandler().handleRequest(httpEvent("submit-job.json", key), null))
                .path("jobId").asText();
        String theirs = body(fixture.submitHandler().handleRequest(httpEvent("submit-job.json", otherKey), null))
                .path("jobId").asText();

        assertThat(theirs).isNotEqualTo(mine);
        assertThat(fixture.allJobItems()).hasSize(2);
    }

    @Test
    void handleRequest_whenIdempotencyKeyReusedWithOtherInput_returns409() {
        SubmitJobHandler handler = fixture.submitHandler();
        String jobId = body(handler.handleRequest(submitEvent(key, SAMPLE_BODY), null)).path("jobId").asText();

        APIGatewayV2HTTPResponse response = handler.handleRequest(submitEvent(key,
                SAMPLE_BODY.replace("50 divided by 2", "7 times 6")), null);

        assertThat(response.getStatusCode()).isEqualTo(409);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(fixture.allJobItems()).hasSize(1);
        assertThat(fixture.storedJob(jobId).input().path("text").asText()).isEqualTo("What is 50 divided by 2?");
        assertThat(fixture.queue.sent()).hasSize(1);
    }

    @Test
    void handleRequest_whenReplayFindsJobFinished_returns200WithTheResult() {
        SubmitJobHandler handler = fixture.submitHandler();
        String jobId = body(handler.handleRequest(httpEvent("submit-job.json", key), null)).path("jobId").asText();
        fixture.queueWorker().handleRequest(fixture.sqsEventOfSent(), null);

        APIGatewayV2HTTPResponse replay = handler.handleRequest(httpEvent("submit-job.json", key), null);

        assertThat(replay.getStatusCode()).isEqualTo(200);
        assertThat(body(replay).path("jobId").asText()).isEqualTo(jobId);
        assertThat(body(replay).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(body(replay).at("/result/text").asText()).isEqualTo("50 divided by 2 = 25");
    }

    @Test
    void handleRequest_whenNoApiKey_returns401() {
        assertUnauthorized(httpEvent("submit-job.json", null));
    }

    @Test
    void handleRequest_whenApiKeyMalformed_returns401() {
        assertUnauthorized(httpEvent("submit-job.json", "ebb_tooShort"));
    }

    @Test
    void handleRequest_whenApiKeyWellFormedButUnknown_returns401() {
        assertUnauthorized(httpEvent("submit-job.json", ApiKeys.newKey()));
    }

    @Test
    void handleRequest_whenApiKeyRevoked_returns401() {
        fixture.keys.revoke(key);

        assertUnauthorized(httpEvent("submit-job.json", key));
    }

    @Test
    void handleRequest_withSampleKeyOfEventsFolder_isUnknownUntilRegistered() {
        // The committed sample key is a placeholder: it authenticates nothing by itself.
        assertUnauthorized(EventLoader.loadApiGatewayHttpEvent("events/submit-job.json"));
    }

    private void assertUnauthorized(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPResponse response = fixture.submitHandler().handleRequest(event, null);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("unauthorized");
        assertThat(body(response).at("/error/message").asText()).isNotBlank();
        assertNothingWritten();
    }

    static Stream<Arguments> badBodies() {
        String big = "{\"task\":\"math\",\"input\":{\"text\":\"" + "1".repeat(256 * 1024) + "\"}}";
        String deep = "{\"task\":\"math\",\"input\":" + "[".repeat(200) + "]".repeat(200) + "}";
        return Stream.of(
                Arguments.of("not JSON", "{\"task\":\"math\",", 400, "invalid_json"),
                Arguments.of("empty", "", 400, "invalid_json"),
                Arguments.of("no body", null, 400, "invalid_json"),
                Arguments.of("duplicate field", "{\"task\":\"math\",\"task\":\"math\",\"input\":\"1+1\"}", 400, "invalid_json"),
                Arguments.of("trailing tokens", "{\"task\":\"math\",\"input\":\"1+1\"} {}", 400, "invalid_json"),
                Arguments.of("nested too deep", deep, 400, "invalid_json"),
                Arguments.of("JSON array", "[{\"task\":\"math\"}]", 400, "invalid_request"),
                Arguments.of("JSON string", "\"math\"", 400, "invalid_request"),
                Arguments.of("missing task", "{\"input\":{\"text\":\"1 plus 1\"}}", 400, "missing_field"),
                Arguments.of("unknown task", "{\"task\":\"poetry\",\"input\":{\"text\":\"1 plus 1\"}}", 400, "unknown_task"),
                Arguments.of("task not a string", "{\"task\":42,\"input\":{\"text\":\"1 plus 1\"}}", 400, "invalid_field"),
                Arguments.of("missing input", "{\"task\":\"math\"}", 400, "missing_field"),
                Arguments.of("null input", "{\"task\":\"math\",\"input\":null}", 400, "missing_field"),
                Arguments.of("empty text", "{\"task\":\"math\",\"input\":{\"text\":\"  \"}}", 400, "invalid_input"),
                Arguments.of("input a number", "{\"task\":\"math\",\"input\":12}", 400, "invalid_input"),
                Arguments.of("unknown field", "{\"task\":\"math\",\"input\":{\"text\":\"1 plus 1\"},\"priority\":\"high\"}",
                        400, "unknown_field"),
                Arguments.of("bad idempotency key", "{\"task\":\"math\",\"input\":\"1 plus 1\",\"idempotencyKey\":\"a b\"}",
                        400, "invalid_field"),
                Arguments.of("over 256 KiB", big, 413, "request_too_large"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void handleRequest_whenBodyInvalid_returns4xxAndWritesNothing(String what, String body, int status, String code) {
        APIGatewayV2HTTPResponse response = fixture.submitHandler().handleRequest(submitEvent(key, body), null);

        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(body(response).at("/error/code").asText()).isEqualTo(code);
        assertThat(body(response).at("/error/message").asText()).isNotBlank();
        assertNothingWritten();
    }

    @Test
    void handleRequest_withBadJsonSampleEvent_returns400() {
        APIGatewayV2HTTPEvent event = httpEvent("submit-job-bad-json.json", key);

        APIGatewayV2HTTPResponse response = fixture.submitHandler().handleRequest(event, null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_json");
        assertNothingWritten();
    }

    @Test
    void handleRequest_whenBase64BodyIsValidUtf8_accepts() {
        APIGatewayV2HTTPEvent event = submitEvent(key, null);
        event.setBody(Base64.getEncoder().encodeToString(SAMPLE_BODY.getBytes(StandardCharsets.UTF_8)));
        event.setIsBase64Encoded(true);

        assertThat(fixture.submitHandler().handleRequest(event, null).getStatusCode()).isEqualTo(202);
    }

    @Test
    void handleRequest_whenBase64BodyIsNotUtf8_returns400() {
        APIGatewayV2HTTPEvent event = submitEvent(key, null);
        event.setBody(Base64.getEncoder().encodeToString(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}));
        event.setIsBase64Encoded(true);

        APIGatewayV2HTTPResponse response = fixture.submitHandler().handleRequest(event, null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_encoding");
        assertNothingWritten();
    }

    @Test
    void handleRequest_whenBodyMarkedBase64IsNotBase64_returns400() {
        APIGatewayV2HTTPEvent event = submitEvent(key, "{not base64!}");
        event.setIsBase64Encoded(true);

        APIGatewayV2HTTPResponse response = fixture.submitHandler().handleRequest(event, null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_encoding");
        assertNothingWritten();
    }

    @Test
    void handleRequest_whenQueueUnreachable_returns503WithRetryAfterAndLeavesNoJob() {
        HandlerFixture down = HandlerFixture.withUnreachableQueue();
        String downKey = down.keys.create("acme");

        APIGatewayV2HTTPResponse response = down.submitHandler().handleRequest(httpEvent("submit-job.json", downKey), null);

        assertThat(response.getStatusCode()).isEqualTo(503);
        assertThat(response.getHeaders()).containsKey("retry-after");
        assertThat(Integer.parseInt(response.getHeaders().get("retry-after"))).isPositive();
        assertThat(body(response).at("/error/code").asText()).isEqualTo("queue_unavailable");
        assertThat(down.allJobItems()).isEmpty();
    }

    private void assertNothingWritten() {
        assertThat(fixture.allJobItems()).isEmpty();
        assertThat(fixture.queue.sent()).isEmpty();
    }
}
