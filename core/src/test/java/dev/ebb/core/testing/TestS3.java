package dev.ebb.core.testing;

import com.adobe.testing.s3mock.S3MockApplication;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.apache.catalina.connector.Connector;
import org.springframework.beans.factory.config.BeanPostProcessor;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for one test JVM: S3Mock in process, only on 127.0.0.1, on a free port, with the bucket
 * {@value #BUCKET}, and a path-style client for it.
 */
public final class TestS3 {
    public static final String BUCKET = "ebb-data";

    private static S3Client client;
    private static URI endpoint;

    private TestS3() {
    }

    public static synchronized S3Client client() {
        if (client == null) {
            endpoint = start();
            client = S3Client.builder()
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .endpointOverride(endpoint)
                    .forcePathStyle(true)
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
            client.createBucket(r -> r.bucket(BUCKET));
        }
        return client;
    }

    public static synchronized URI endpoint() {
        client();
        return endpoint;
    }

    private static URI start() {
        int port;
        try {
            port = TestDynamoDb.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // Spring Boot would otherwise take over the test's logging configuration.
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        Map<String, Object> properties = new HashMap<>(Map.of(
                "http.port", port,
                "server.port", 0,
                "server.address", "127.0.0.1",
                "silent", true,
                "spring.main.log-startup-info", false,
                // S3Mock's plain-HTTP connector has no address setting: Loopback binds it to 127.0.0.1.
                "spring.main.sources", Loopback.class.getName()));
        S3MockApplication.start(properties);
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Binds every Tomcat connector S3Mock declares as a bean to 127.0.0.1 before it starts. */
    public static final class Loopback implements BeanPostProcessor {
        @Override
        public Object postProcessBeforeInitialization(Object bean, String beanName) {
            if (bean instanceof Connector connector) {
                connector.setProperty("address", "127.0.0.1");
            }
            return bean;
        }
    }
}
