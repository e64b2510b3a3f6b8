package dev.ebb.functions;

import static dev.ebb.functions.HandlerFixture.body;
import static dev.ebb.functions.HandlerFixture.httpEvent;
import static dev.ebb.functions.HandlerFixture.jobEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CancelJobHandlerTest {
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
    void handleRequest_whenJobQueued_returns200Cancelled() {
        APIGatewayV2HTTPResponse response = fixture.cancelHandler()
                .handleRequest(jobEvent("cancel-job.json", key, jobId), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(body(response).path("jobId").asText()).isEqualTo(jobId);
        assertThat(body(response).path("status").asText()).isEqualTo("CANCELLED");
        assertThat(body(response).at("/timings/finishedAt").isTextual()).isTrue();
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void handleRequest_whenCancelledAgain_returns409JobFinished() {
        fixture.cancelHandler().handleRequest(jobEvent("cancel-job.json", key, jobId), null);

        APIGatewayV2HTTPResponse again = fixture.cancelHandler()
                .handleRequest(jobEvent("cancel-job.json", key, jobId), null);

        assertThat(again.getStatusCode()).isEqualTo(409);
        assertThat(body(again).at("/error/code").asText()).isEqualTo("job_finished");
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void handleRequest_whenJobSucceeded_returns409AndKeepsTheResult() {
        fixture.queueWorker().handleRequest(fixture.sqsEventOfSent(), null);

        APIGatewayV2HTTPResponse response = fixture.cancelHandler()
                .handleRequest(jobEvent("cancel-job.json", key, jobId), null);

        assertThat(response.getStatusCode()).isEqualTo(409);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("job_finished");
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(fixture.storedJob(jobId).result()).isNotNull();
    }

    @Test
    void handleRequest_whenAnotherTenantsJob_returns404AndLeavesItQueued() {
        String otherKey = fixture.keys.create("globex");

        APIGatewayV2HTTPResponse response = fixture.cancelHandler()
                .handleRequest(jobEvent("cancel-job.json", otherKey, jobId), null);

        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("not_found");
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void handleRequest_whenUnknownId_returns404() {
        APIGatewayV2HTTPResponse response = fixture.cancelHandler()
                .handleRequest(jobEvent("cancel-job.json", key, JobIds.random()), null);

        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(fixture.allJobItems()).hasSize(1);
    }

    @Test
    void handleRequest_whenIdMalformed_returns400() {
        APIGatewayV2HTTPResponse response = fixture.cancelHandler()
                .handleRequest(jobEvent("cancel-job.json", key, "j_nope"), null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_job_id");
    }

    @Test
    void handleRequest_whenNoApiKey_returns401AndCancelsNothing() {
        APIGatewayV2HTTPResponse response = fixture.cancelHandler()
                .handleRequest(jobEvent("cancel-job.json", null, jobId), null);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(fixture.storedJob(jobId).status()).isEqualTo(JobStatus.QUEUED);
    }
}
