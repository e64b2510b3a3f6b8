package dev.ebb.functions;

import static dev.ebb.functions.HandlerFixture.body;
import static dev.ebb.functions.HandlerFixture.httpEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.api.UploadUrls;
import dev.ebb.core.testing.TestS3;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** {@code POST /v1/uploads} against a real S3-compatible server: the URL it gives really puts the object. */
class CreateUploadHandlerTest {
    private HandlerFixture fixture;
    private String key;
    private CreateUploadHandler handler;
    private S3Client s3;

    @BeforeEach
    void setUp() {
        fixture = HandlerFixture.create();
        key = fixture.keys.create("acme");
        s3 = TestS3.client();
        // As DependencyFactory builds it for the local cloud, with the test's placeholder credentials.
        S3Presigner presigner = S3Presigner.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .endpointOverride(TestS3.endpoint())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build();
        handler = new CreateUploadHandler(fixture.gateway(), new UploadUrls(presigner, TestS3.BUCKET,
                DependencyFactory.tasks(Map.of()), fixture.clock));
    }

    @Test
    void handleRequest_withTheSampleEvent_returnsAUrlThatPutsTheObjectUnderTheTenantsPrefix() throws Exception {
        APIGatewayV2HTTPResponse response = handler.handleRequest(httpEvent("create-upload.json", key), null);

        assertThat(response.getStatusCode()).isEqualTo(201);
        JsonNode body = body(response);
        String objectKey = body.path("key").asText();
        assertThat(objectKey).startsWith("uploads/acme/math/").endsWith("-question.txt");
        HttpResponse<String> put = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(body.path("url").asText()))
                        .PUT(HttpRequest.BodyPublishers.ofString("What is 2 plus 2?")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(s3.getObjectAsBytes(r -> r.bucket(TestS3.BUCKET).key(objectKey)).asUtf8String())
                .isEqualTo("What is 2 plus 2?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "a/b.txt", "..", ".hidden", "a..b", "", "con\\u0000trol", "a\\\\b"})
    void handleRequest_whenTheFileNameIsNotAPlainName_returns400(String filename) {
        APIGatewayV2HTTPResponse response = handler.handleRequest(
                uploadEvent("{\"task\":\"math\",\"filename\":\"" + filename + "\"}"), null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("invalid_filename");
    }

    @Test
    void handleRequest_whenTheTaskIsUnknown_returns400() {
        APIGatewayV2HTTPResponse response = handler.handleRequest(
                uploadEvent("{\"task\":\"summarise\",\"filename\":\"a.txt\"}"), null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isEqualTo("unknown_task");
        assertThat(body(response).at("/error/message").asText()).contains("math");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "[]", "{\"task\":1,\"filename\":\"a\"}", "{\"task\":\"math\",\"filename\":7}"})
    void handleRequest_whenTheBodyIsNotTheRequest_returns400(String requestBody) {
        APIGatewayV2HTTPResponse response = handler.handleRequest(uploadEvent(requestBody), null);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/error/code").asText()).isNotEmpty();
    }

    private APIGatewayV2HTTPEvent uploadEvent(String requestBody) {
        APIGatewayV2HTTPEvent event = httpEvent("create-upload.json", key);
        event.setBody(requestBody);
        return event;
    }
}
