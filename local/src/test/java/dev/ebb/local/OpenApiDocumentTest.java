package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The document is strict enough to catch drift: answers the API must not give are rejected by the same validator
 * {@link OpenApiContractIT} runs the real answers through (which shows that the real ones pass).
 */
class OpenApiDocumentTest {
    private static final OpenApiInteractionValidator VALIDATOR =
            OpenApiInteractionValidator.createForInlineApiSpecification(document()).build();

    private static String document() {
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/ebb/openapi.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean valid(String method, String path, int status, String body, String... headers) {
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status).withContentType("application/json")
                .withBody(body);
        for (int i = 0; i < headers.length; i += 2) {
            response.withHeader(headers[i], headers[i + 1]);
        }
        ValidationReport report = VALIDATOR.validateResponse(path, Request.Method.valueOf(method), response.build());
        return !report.hasErrors();
    }

    @Test
    void accepted_isJobIdAndQueued_only() {
        assertThat(valid("POST", "/v1/jobs", 202, "{\"jobId\":\"j_00000000000000000000000000\",\"status\":\"QUEUED\"}"))
                .isTrue();
        assertThat(valid("POST", "/v1/jobs", 202, "{\"jobId\":\"j_00000000000000000000000000\",\"status\":\"RUNNING\"}"))
                .isFalse();
        assertThat(valid("POST", "/v1/jobs", 202, "{\"jobId\":\"j_00000000000000000000000000\",\"status\":\"QUEUED\","
                + "\"extra\":1}")).isFalse();
    }

    @Test
    void aJobWithoutTimings_orAnUndocumentedField_isDrift() {
        String job = "{\"jobId\":\"j_00000000000000000000000000\",\"task\":\"math\",\"status\":\"QUEUED\","
                + "\"attempts\":0,\"timings\":{\"queuedAt\":\"2026-01-01T00:00:00Z\",\"waitMs\":3}}";
        assertThat(valid("GET", "/v1/jobs/j_00000000000000000000000000", 200, job)).isTrue();
        assertThat(valid("GET", "/v1/jobs/j_00000000000000000000000000", 200, job.replace(
                ",\"timings\":{\"queuedAt\":\"2026-01-01T00:00:00Z\",\"waitMs\":3}", ""))).isFalse();
        assertThat(valid("GET", "/v1/jobs/j_00000000000000000000000000", 200, job.replace("\"attempts\"",
                "\"tenant\":\"acme\",\"attempts\""))).isFalse();
    }

    @Test
    void cached_isTrueOrSemanticWithItsSimilarity_nothingElse() {
        String job = "{\"jobId\":\"j_00000000000000000000000000\",\"task\":\"classify\",\"status\":\"SUCCEEDED\","
                + "\"attempts\":1,\"timings\":{\"queuedAt\":\"2026-01-01T00:00:00Z\",\"waitMs\":3},"
                + "\"result\":{\"label\":\"positive\"},CACHED}";
        String path = "/v1/jobs/j_00000000000000000000000000";
        assertThat(valid("GET", path, 200, job.replace("CACHED", "\"cached\":true"))).isTrue();
        assertThat(valid("GET", path, 200, job.replace("CACHED", "\"cached\":\"semantic\",\"similarity\":0.97")))
                .isTrue();
        assertThat(valid("GET", path, 200, job.replace("CACHED", "\"cached\":\"maybe\""))).isFalse();
        assertThat(valid("GET", path, 200, job.replace("CACHED", "\"cached\":false"))).isFalse();
        assertThat(valid("GET", path, 200, job.replace("CACHED", "\"cached\":\"semantic\",\"similarity\":1.5")))
                .isFalse();
    }

    @Test
    void errors_haveTheErrorShape_and503SaysWhenToRetry() {
        String error = "{\"error\":{\"code\":\"backend_unavailable\",\"message\":\"retry later\"}}";
        assertThat(valid("GET", "/v1/jobs", 503, error, "Retry-After", "2")).isTrue();
        assertThat(valid("GET", "/v1/jobs", 503, error)).isFalse();
        assertThat(valid("GET", "/v1/jobs", 400, "{\"message\":\"bad\"}")).isFalse();
        assertThat(valid("GET", "/v1/jobs", 418, error)).isFalse();
    }
}
