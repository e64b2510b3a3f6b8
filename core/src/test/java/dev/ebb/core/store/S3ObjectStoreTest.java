package dev.ebb.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3ObjectStoreTest {
    private final S3ObjectStore store = new S3ObjectStore(LocalS3.S3, LocalS3.BUCKET);

    @Test
    void get_afterAPutOfAMegabyte_returnsTheSameBytes() {
        byte[] bytes = new byte[1024 * 1024];
        Arrays.fill(bytes, (byte) 'x');

        store.put("inputs/t/j_a/h.json", bytes);

        assertThat(store.get("inputs/t/j_a/h.json")).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
    }

    @Test
    void get_whenNoObjectHasTheKey_isEmpty() {
        assertThat(store.get("inputs/t/j_none/h.json")).isEmpty();
    }

    @Test
    void delete_removesTheObject_andDeletingAgainIsNoError() {
        store.put("inputs/t/j_b/h.json", "{}".getBytes(StandardCharsets.UTF_8));

        store.delete("inputs/t/j_b/h.json");
        store.delete("inputs/t/j_b/h.json");

        assertThat(store.get("inputs/t/j_b/h.json")).isEmpty();
    }

    /**
     * What S3 answers a GET of a missing key with when the caller may not s3:ListBucket: 403 AccessDenied, which the
     * SDK raises as a plain S3Exception (not NoSuchKeyException). The store lets it through as an outage (503,
     * retried) — so a gone object reads as missing (410 result_missing, input_missing, a skipped upload) only where
     * the function may list the bucket: the templates grant s3:ListBucket to every reader (TemplateTest,
     * EbbStackTest). Driven by the real client against a stand-in that answers as S3 does.
     */
    @Test
    void get_whenS3Answers403AccessDenied_throwsAnS3ExceptionNotEmpty() throws IOException {
        HttpServer s3 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s3.createContext("/", exchange -> {
            boolean missing = exchange.getRequestURI().getPath().endsWith("/gone.json");
            byte[] body = (missing
                    ? "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
                    : "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(missing ? 404 : 403, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        s3.start();
        try (S3Client client = S3Client.builder().region(Region.US_EAST_1).forcePathStyle(true)
                .endpointOverride(URI.create("http://127.0.0.1:" + s3.getAddress().getPort()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            S3ObjectStore denied = new S3ObjectStore(client, "bucket");

            assertThat(denied.get("results/j_a/gone.json")).as("404 NoSuchKey: missing").isEmpty();
            assertThatThrownBy(() -> denied.get("results/j_a/missing-without-list.json"))
                    .isInstanceOfSatisfying(S3Exception.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                    });
        } finally {
            s3.stop(0);
        }
    }
}
