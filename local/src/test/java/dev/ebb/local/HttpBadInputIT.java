package dev.ebb.local;

import dev.ebb.local.runtime.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Raw HTTP against the local gateway: bytes, routes, methods, credentials and bodies that a well-behaved client
 * never sends. Every answer is a 4xx with the error shape, never a 5xx or a stack trace, and nothing is stored.
 */
class HttpBadInputIT {
    private static final String VALID = "{\"task\":\"math\",\"input\":{\"text\":\"What is 1 plus 1?\"}}";
    private static final String INPUT = "\"input\":{\"text\":\"What is 1 plus 1?\"}";
    /** Used only by this class, so that any item with it was written by one of these requests. */
    private static final String TENANT = "bad-input-" + UUID.randomUUID();

    private static final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private static URI api;
    private static String key;

    @BeforeAll
    static void ebb() {
        LocalRuntime ebb = EmbeddedEbb.get();
        api = ebb.apiEndpoint();
        key = ebb.keys().create(TENANT);
    }

    @Test
    void bodyThatIsNotUtf8_is400InvalidEncoding() throws Exception {
        byte[] body = {'{', '"', 't', 'a', 's', 'k', '"', ':', '"', (byte) 0xff, (byte) 0xfe, (byte) 0xc3, '"', '}'};

        HttpResponse<String> response = send(post(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertError(response, 400, "invalid_encoding");
        assertThat(jobsOf(TENANT)).isZero();
    }

    @Test
    void bodyOf7Megabytes_is413() throws Exception {
        byte[] body = new byte[7 * 1024 * 1024];
        Arrays.fill(body, (byte) 'a');

        HttpResponse<String> response = send(post(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertThat(response.statusCode()).isEqualTo(413);
        assertCleanError(response);
        assertThat(jobsOf(TENANT)).isZero();
    }

    @Test
    void unknownRoute_is404RouteNotFound() throws Exception {
        HttpResponse<String> response = send(authorized(HttpRequest.newBuilder(api.resolve("/v2/things"))).GET().build());

        assertError(response, 404, "route_not_found");
    }

    @Test
    void putOnJobs_is405() throws Exception {
        HttpResponse<String> response = send(authorized(HttpRequest.newBuilder(api.resolve("/v1/jobs")))
                .PUT(HttpRequest.BodyPublishers.ofString(VALID)).build());

        assertError(response, 405, "method_not_allowed");
        assertThat(jobsOf(TENANT)).isZero();
    }

    @Test
    void getWithAMalformedJobId_is400InvalidJobId() throws Exception {
        HttpResponse<String> response = send(authorized(HttpRequest.newBuilder(api.resolve("/v1/jobs/not-an-id")))
                .GET().build());

        assertError(response, 400, "invalid_job_id");
    }

    @Test
    void getOfAWellFormedIdThatDoesNotExist_is404() throws Exception {
        HttpResponse<String> response = send(authorized(HttpRequest.newBuilder(
                api.resolve("/v1/jobs/j_0123456789abcdefghjkmnpqrs"))).GET().build());

        assertError(response, 404, "not_found");
    }

    @Test
    void noCredentials_is401WithTheErrorShape() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.resolve("/v1/jobs"))
                .POST(HttpRequest.BodyPublishers.ofString(VALID)).build());

        assertError(response, 401, "unauthorized");
        assertThat(jobsOf(TENANT)).isZero();
    }

    @Test
    void aValidKeyUnderTheBasicScheme_is401() throws Exception {
        String basic = Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> encoded = send(HttpRequest.newBuilder(api.resolve("/v1/jobs"))
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(VALID)).build());
        HttpResponse<String> bare = send(HttpRequest.newBuilder(api.resolve("/v1/jobs"))
                .header("Authorization", "Basic " + key)
                .POST(HttpRequest.BodyPublishers.ofString(VALID)).build());

        assertError(encoded, 401, "unauthorized");
        assertError(bare, 401, "unauthorized");
        assertThat(jobsOf(TENANT)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedBodies")
    void malformedBody_isA4xxWithTheErrorShape_andStoresNothing(String name, String body) throws Exception {
        HttpResponse<String> response = send(post(HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(response.statusCode()).as("%s: %s", name, response.body()).isBetween(400, 499);
        assertCleanError(response);
        assertThat(jobsOf(TENANT)).as("jobs stored for the tenant").isZero();
    }

    /**
     * Text SQS cannot carry (an unpaired surrogate, U+FFFF) is refused at submit with a 400, not accepted and then
     * answered 503 "retry later" when the queue refuses it: the request can never succeed.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("textSqsCannotCarry")
    void inputWithTextSqsCannotCarry_isA400_notA503(String name, String body) throws Exception {
        HttpResponse<String> response = send(post(HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(response.statusCode()).as("%s: %s", name, response.body()).isEqualTo(400);
        assertCleanError(response);
        assertThat(jobsOf(TENANT)).isZero();
    }

    static Stream<Arguments> textSqsCannotCarry() {
        return Stream.of(
                Arguments.of("escaped lone high surrogate", "{\"task\":\"math\",\"input\":{\"text\":\"\\ud800 What is 1 plus 1?\"}}"),
                Arguments.of("escaped reversed surrogates", "{\"task\":\"math\",\"input\":{\"text\":\"\\udfff\\ud800 What is 1 plus 1?\"}}"),
                Arguments.of("escaped U+FFFF", "{\"task\":\"math\",\"input\":{\"text\":\"\\uffff What is 1 plus 1?\"}}"),
                Arguments.of("raw U+FFFF", "{\"task\":\"math\",\"input\":{\"text\":\"\uffff What is 1 plus 1?\"}}"));
    }

    /** The check itself: the same scan does see a job that was accepted (for another tenant). */
    @Test
    void validBody_isAccepted_andTheScanCountsIt() throws Exception {
        String tenant = "bad-input-control-" + UUID.randomUUID();
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.resolve("/v1/jobs"))
                .header("Authorization", "Bearer " + EmbeddedEbb.get().keys().create(tenant))
                .POST(HttpRequest.BodyPublishers.ofString(VALID)).build());

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(jobsOf(tenant)).isEqualTo(1);
    }

    static Stream<Arguments> malformedBodies() {
        return Stream.of(
                Arguments.of("empty", ""),
                Arguments.of("whitespace", "  \n\t "),
                Arguments.of("empty array", "[]"),
                Arguments.of("array of a valid request", "[" + VALID + "]"),
                Arguments.of("number", "42"),
                Arguments.of("string", "\"math\""),
                Arguments.of("null", "null"),
                Arguments.of("boolean", "true"),
                Arguments.of("empty object", "{}"),
                Arguments.of("missing input", "{\"task\":\"math\"}"),
                Arguments.of("missing task", "{" + INPUT + "}"),
                Arguments.of("null input", "{\"task\":\"math\",\"input\":null}"),
                Arguments.of("task is a number", "{\"task\":42," + INPUT + "}"),
                Arguments.of("task is an array", "{\"task\":[\"math\"]," + INPUT + "}"),
                Arguments.of("task is an object", "{\"task\":{\"name\":\"math\"}," + INPUT + "}"),
                Arguments.of("task is unknown", "{\"task\":\"no-such-task\"," + INPUT + "}"),
                Arguments.of("input is a number", "{\"task\":\"math\",\"input\":42}"),
                Arguments.of("input is an array", "{\"task\":\"math\",\"input\":[\"What is 1 plus 1?\"]}"),
                Arguments.of("input text is a number", "{\"task\":\"math\",\"input\":{\"text\":42}}"),
                Arguments.of("input has an extra field",
                        "{\"task\":\"math\",\"input\":{\"text\":\"What is 1 plus 1?\",\"extra\":{\"a\":[1,{}]}}}"),
                Arguments.of("model is a number", "{\"task\":\"math\"," + INPUT + ",\"model\":7}"),
                Arguments.of("model has spaces", "{\"task\":\"math\"," + INPUT + ",\"model\":\"a b\"}"),
                Arguments.of("idempotencyKey is an object", "{\"task\":\"math\"," + INPUT + ",\"idempotencyKey\":{\"k\":1}}"),
                Arguments.of("idempotencyKey is a boolean", "{\"task\":\"math\"," + INPUT + ",\"idempotencyKey\":false}"),
                Arguments.of("idempotencyKey has a slash", "{\"task\":\"math\"," + INPUT + ",\"idempotencyKey\":\"a/b\"}"),
                Arguments.of("unknown field", "{\"task\":\"math\"," + INPUT + ",\"priority\":1}"),
                Arguments.of("unknown field named by escapes", "{\"\\ud800\\u0000\\u001b[31m\":1,\"task\":\"math\"," + INPUT + "}"),
                Arguments.of("task with an escaped NUL", "{\"task\":\"m\\u0000ath\"," + INPUT + "}"),
                Arguments.of("escaped task, blank escaped text",
                        "{\"task\":\"\\u006d\\u0061\\u0074\\u0068\",\"input\":{\"text\":\"\\u0020\\u0009\\u2003\"}}"),
                Arguments.of("duplicate keys", "{\"task\":\"math\",\"task\":\"math\"," + INPUT + "}"),
                Arguments.of("trailing garbage", VALID + " xyz"),
                Arguments.of("two objects", VALID + VALID),
                Arguments.of("truncated", VALID.substring(0, VALID.length() - 5)),
                Arguments.of("single quotes", "{'task':'math','input':{'text':'What is 1 plus 1?'}}"),
                Arguments.of("NaN", "{\"task\":\"math\",\"input\":NaN}"),
                Arguments.of("comment", "/* hi */" + VALID),
                Arguments.of("huge task name", "{\"task\":\"" + "a".repeat(200_000) + "\"," + INPUT + "}"),
                Arguments.of("huge text", "{\"task\":\"math\",\"input\":{\"text\":\"What is 1 plus 1?" + " 1".repeat(5_000) + "\"}}"),
                Arguments.of("over the request limit", "{\"task\":\"math\",\"input\":{\"text\":\"" + "9".repeat(300_000) + "\"}}"),
                Arguments.of("10,000 nested arrays", "[".repeat(10_000) + "]".repeat(10_000)),
                Arguments.of("10,000 nested objects in input",
                        "{\"task\":\"math\",\"input\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}"));
    }

    // ---- helpers ----

    private static HttpRequest.Builder post(HttpRequest.BodyPublisher body) {
        return authorized(HttpRequest.newBuilder(api.resolve("/v1/jobs"))).POST(body);
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(60));
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(assertCleanError(response).path("error").path("code").asText()).isEqualTo(code);
    }

    /** {@code {"error":{"code","message"}}} with non-empty strings, and nothing of the server's insides. */
    private static JsonNode assertCleanError(HttpResponse<String> response) throws Exception {
        String body = response.body();
        assertThat(response.statusCode()).as(body).isLessThan(500);
        assertThat(body).doesNotContain("Exception").doesNotContain("at dev.ebb");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode json = Json.MAPPER.readTree(body);
        assertThat(json.isObject()).as(body).isTrue();
        JsonNode error = json.path("error");
        assertThat(error.path("code").isTextual()).as(body).isTrue();
        assertThat(error.path("code").asText()).as(body).isNotBlank();
        assertThat(error.path("message").isTextual()).as(body).isTrue();
        assertThat(error.path("message").asText()).as(body).isNotBlank();
        return json;
    }

    private static int jobsOf(String tenant) {
        return EmbeddedEbb.get().cloud().dynamoDbClient().scanPaginator(r -> r.tableName("ebb-jobs")
                        .consistentRead(true)
                        .filterExpression("#tenant = :tenant")
                        .expressionAttributeNames(Map.of("#tenant", "tenant"))
                        .expressionAttributeValues(Map.of(":tenant", AttributeValue.fromS(tenant))))
                .stream().mapToInt(ScanResponse::count).sum();
    }
}
