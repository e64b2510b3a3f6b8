package dev.ebb.core.store;

import com.robothy.s3.rest.bootstrap.LocalS3Mode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** A real S3-compatible server (local-s3-rest, in memory) for one test JVM, and a path-style client for it. */
final class LocalS3 {
    static final String BUCKET = "ebb-data";
    static final S3Client S3 = start();

    private LocalS3() {
    }

    private static S3Client start() {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        com.robothy.s3.rest.LocalS3.builder().port(port).mode(LocalS3Mode.IN_MEMORY).build().start();
        S3Client s3 = S3Client.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .forcePathStyle(true)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        s3.createBucket(r -> r.bucket(BUCKET));
        return s3;
    }
}
