package dev.ebb.functions;

import static dev.ebb.functions.HandlerFixture.body;
import static dev.ebb.functions.HandlerFixture.httpEvent;
import static dev.ebb.functions.HandlerFixture.jobEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GetJobHandlerTest {
    private HandlerFixture fixture;
    private String key;
    private String jobId;

    @BeforeEach
    void setUp() {
        fixture = HandlerFixture.create();
        key = fixture.keys.create("acme");
        jobId = body(fixture.submitHandler().handleRequest(httpEvent("submit-job.json", key), null))
                .path("jobId").asText();
    }

    @Test
    void handleRequest_whenOwnQueuedJob_returns200WithStatusTimingsAndAttempts() {
        Job stored = fixture.storedJob(jobId);

        APIGatewayV2HTTPResponse response = fixture.getHandler().handleRequest(jobEvent("get-job.json", key, jobId), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        JsonNode body = body(response);
        assertThat(body.path("jobId").asText()).isEqualTo(jobId);
        assertThat(body.path("status").asText()).isEqualTo("QUEUED");
        assertThat(body.path("task").asText()).isEqualTo("math");
        assertThat(body.path("attempts").asInt(-1)).isZero();
        assertThat(Instant.parse(body.at("/timings/queuedAt").asText())).isEqualTo(stored.createdAt());
        assertThat(body.has("result")).isFalse();
        // Internal fields stay out of the client's view.
        assertThat(body.has("tenant")).isFalse();
        assertThat(body.has("leaseOwner")).isFalse();
        assertThat(body.has("input")).isFalse();
    }

    @Test
    void handleRequest_whenOwnJobSucceeded_returnsResultAndAllTimings() {
        fixture.queueWorker().handleRequest(fixture.sqsEventOfSent(), null);

        JsonNode body = body(fixture.getHandler().handleRequest(jobEvent("get-job.json", key, jobId), null));

        assertThat(body.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(body.path("attempts").asInt()).isEqualTo(1);
        assertThat(body.at("/result/text").asText()).isEqualTo("50 divided by 2 = 25");
        assertThat(body.path("timings").has("startedAt")).isTrue();
        assertThat(body.path("timings").has("finishedAt")).isTrue();
    }

    @Test
    void handleRequest_whenAnotherTenantsJob_returns404LikeAnUnknownId() {
        String otherKey = fixture.keys.create("globex");
        String unknownId = JobIds.random();

        APIGatewayV2HTTPResponse otherTenant = fixture.getHandler().handleRequest(jobEvent("get-job.json", otherKey, jobId), null);
        APIGatewayV2HTTPResponse unknown = fixture.getHandler().handleRequest(jobEvent("get-job.json", otherKey, unknownId), null);

        assertThat(otherTenant.getStatusCode()).isEqualTo(404);
        assertThat(body(otherTenant).at("/error/code").asText()).isEqualTo("not_found");
        // Nothing in the answer tells "exists, not yours" from "does not exist".
        assertThat(otherTenant.getBody().replace(jobId, unknownId)).isEqualTo(unknown.getBody());
        assertThat(otherTenant.getHeaders()).isEqualTo(unknown.getHeaders());
    }

    @Test
    void handleRequest_whenUnknownValidId_returns404() {
        APIGatewayV2HTTPResponse response = fixture.getHandler()
                .handleRequest(jobEvent("get-job.json", key, JobIds.random()), null);

        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("not_found");
    }

    @Test
    void handleRequest_withSampleEvent_findsTheJobOfItsPathId() {
        String sampleId = httpEvent("get-job.json", key).getPathParameters().get("id");
        Instant now = Instant.now();
        fixture.jobs.create(Job.queued(sampleId, "acme", "math", Lane.CPU, null,
                Json.MAPPER.createObjectNode().put("text", "1 plus 1"), null, null, now, now.plus(Duration.ofDays(1))));

        APIGatewayV2HTTPResponse response = fixture.getHandler().handleRequest(httpEvent("get-job.json", key), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(body(response).path("jobId").asText()).isEqualTo(sampleId);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nope", "j_", "j_ILOU000000000000000000000A", "J_abcdefghjkmnpqrstvwxyz0123",
            "j_abcdefghjkmnpqrstvwxyz01234", "../../etc/passwd", "j_abcdefghjkmnpqrstvwxyz012%"})
    void handleRequest_whenIdMalformed_returns400(String id) {
        APIGatewayV2HTTPResponse response = fixture.getHandler().handleRequest(jobEvent("get-job.json", key, id), null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_job_id");
    }

    @Test
    void handleRequest_whenNoPathParameter_returns400() {
        var event = httpEvent("get-job.json", key);
        event.setPathParameters(Map.of());

        APIGatewayV2HTTPResponse response = fixture.getHandler().handleRequest(event, null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_job_id");
    }

    @Test
    void handleRequest_whenNoApiKey_returns401() {
        APIGatewayV2HTTPResponse response = fixture.getHandler().handleRequest(jobEvent("get-job.json", null, jobId), null);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("unauthorized");
    }
}
