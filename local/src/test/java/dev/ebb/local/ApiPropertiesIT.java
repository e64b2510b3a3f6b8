package dev.ebb.local;

import dev.ebb.local.runtime.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated requests against the running HTTP API: whatever the body, path or headers, the answer is never a 5xx,
 * and every error is {@code {"error":{"code","message"}}} without a stack trace. 1,300 requests a run.
 */
class ApiPropertiesIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static URI api;
    private static String key;

    @BeforeContainer
    static void start() {
        LocalRuntime ebb = EmbeddedEbb.get();
        api = ebb.apiEndpoint();
        key = ebb.keys().create("properties");
    }

    @Property(tries = 600)
    void submit_anyBody_isAnsweredWithoutA5xx(@ForAll("bodies") byte[] body) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.resolve("/v1/jobs"))
                .header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertWellFormed(response);
        if (response.statusCode() == 202) {
            assertThat(Json.MAPPER.readTree(response.body()).path("jobId").asText()).startsWith("j_");
        }
    }

    @Property(tries = 400)
    void readAndCancel_anyJobId_isAnsweredWithoutA5xx(@ForAll("jobIds") String jobId) throws Exception {
        URI uri = api.resolve("/v1/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8).replace("+", "%20"));

        HttpResponse<String> read = send(HttpRequest.newBuilder(uri).header("x-api-key", key).GET());
        HttpResponse<String> cancel = send(HttpRequest.newBuilder(uri).header("x-api-key", key).DELETE());

        assertWellFormed(read);
        assertWellFormed(cancel);
        assertThat(read.statusCode()).as("no such job of this tenant").isIn(400, 404);
        assertThat(cancel.statusCode()).isIn(400, 404);
    }

    @Property(tries = 300)
    void list_anyQueryString_isAnsweredWithoutA5xx(@ForAll("queries") String query) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.resolve("/v1/jobs?" + query))
                .header("x-api-key", key).GET());

        assertWellFormed(response);
        assertThat(response.statusCode()).isIn(200, 400);
    }

    @Property(tries = 300)
    void createUpload_anyBody_isAnsweredWithoutA5xx(@ForAll("uploadBodies") String body) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.resolve("/v1/uploads"))
                .header("x-api-key", key).POST(HttpRequest.BodyPublishers.ofString(body)));

        assertWellFormed(response);
        assertThat(response.statusCode()).isIn(201, 400);
        if (response.statusCode() == 201) {
            assertThat(Json.MAPPER.readTree(response.body()).path("key").asText()).startsWith("uploads/properties/");
        }
    }

    @Provide
    Arbitrary<String> queries() {
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of("status", "uploadKey", "limit", "nextToken"),
                Arbitraries.strings().alpha().ofMaxLength(6));
        Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.of("SUCCEEDED", "queued", "0", "100", "101", "-1"),
                Arbitraries.strings().ofMaxLength(80));
        return Combinators.combine(names, values).as((n, v) -> n + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8))
                .list().ofMaxSize(4).map(pairs -> String.join("&", pairs));
    }

    @Provide
    Arbitrary<String> uploadBodies() {
        Arbitrary<String> filenames = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(220),
                Arbitraries.strings().withCharRange('-', 'z').ofMinLength(1).ofMaxLength(30),
                Arbitraries.of("a.txt", "../x", "a/b", "..", ".x", "x..y"));
        Arbitrary<String> tasks = Arbitraries.oneOf(Arbitraries.of("math", "embed", "nope"),
                Arbitraries.strings().ofMaxLength(20));
        return Arbitraries.oneOf(
                Combinators.combine(tasks, filenames).as((t, f) -> Json.write(JsonNodeFactory.instance.objectNode()
                        .put("task", t).put("filename", f))),
                json().map(Json::write),
                Arbitraries.strings().ofMaxLength(100));
    }

    @Property(tries = 300)
    void anyCredentials_otherThanAKey_areA401(@ForAll("credentials") List<String> header) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.resolve("/v1/jobs"))
                .header(header.get(0), header.get(1))
                .POST(HttpRequest.BodyPublishers.ofString("{\"task\":\"math\",\"input\":\"1 plus 1\"}")));

        assertWellFormed(response);
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, json().map(node -> Json.write(node).getBytes(StandardCharsets.UTF_8))),
                Tuple.of(3, requestLike().map(node -> Json.write(node).getBytes(StandardCharsets.UTF_8))),
                Tuple.of(2, Arbitraries.strings().ofMaxLength(300).map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)));
    }

    /** Bodies shaped like a submit, with each field's value drawn from anything JSON can hold. */
    private Arbitrary<JsonNode> requestLike() {
        Arbitrary<String> field = Arbitraries.of("task", "input", "model", "idempotencyKey", "priority", "Task", "");
        return Combinators.combine(field.list().ofMaxSize(5), json().list().ofSize(5), Arbitraries.of("math", "embed", ""))
                .as((names, values, task) -> {
                    ObjectNode node = JsonNodeFactory.instance.objectNode().put("task", task);
                    for (int i = 0; i < names.size(); i++) {
                        node.set(names.get(i), values.get(i));
                    }
                    return node;
                });
    }

    /** Any JSON value, a few levels deep. */
    private Arbitrary<JsonNode> json() {
        return Arbitraries.recursive(this::scalar, this::container, 0, 3);
    }

    private Arbitrary<JsonNode> scalar() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(50).map(f::textNode),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30).map(s -> f.textNode("What is " + s)),
                Arbitraries.integers().map(f::numberNode),
                Arbitraries.doubles().map(f::numberNode),
                Arbitraries.of(f.booleanNode(true), f.booleanNode(false), f.nullNode()));
    }

    private Arbitrary<JsonNode> container(Arbitrary<JsonNode> inner) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Arbitrary<JsonNode> array = inner.list().ofMaxSize(4).map(items -> f.arrayNode().addAll(items));
        Arbitrary<JsonNode> object = Combinators.combine(
                Arbitraries.oneOf(Arbitraries.of("text", "task", "input"), Arbitraries.strings().ofMaxLength(8))
                        .list().ofMaxSize(4),
                inner.list().ofSize(4)).as((names, values) -> {
                    ObjectNode node = f.objectNode();
                    for (int i = 0; i < names.size(); i++) {
                        node.set(names.get(i), values.get(i));
                    }
                    return node;
                });
        return Arbitraries.oneOf(array, object);
    }

    @Provide
    Arbitrary<String> jobIds() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMinLength(1).ofMaxLength(60),
                Arbitraries.strings().withChars("0123456789abcdefghjkmnpqrstvwxyz").ofLength(26).map(s -> "j_" + s),
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(40).map(s -> "j_" + s));
    }

    @Provide
    Arbitrary<List<String>> credentials() {
        Arbitrary<String> printable = Arbitraries.strings().withCharRange('!', '~').ofMaxLength(60);
        return Arbitraries.oneOf(
                printable.map(v -> List.of("authorization", "Bearer " + v)),
                printable.map(v -> List.of("authorization", "Basic " + v)),
                printable.map(v -> List.of("x-api-key", "ebb_" + v)),
                Arbitraries.strings().withChars("0123456789ABCDEFabcdef").ofLength(40)
                        .map(v -> List.of("authorization", "Bearer ebb_" + v)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertWellFormed(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 499);
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("at dev.ebb");
        if (response.statusCode() >= 400) {
            JsonNode error = Json.MAPPER.readTree(response.body()).path("error");
            assertThat(error.path("code").asText()).as(response.body()).isNotBlank();
            assertThat(error.path("message").asText()).as(response.body()).isNotBlank();
        }
    }
}
