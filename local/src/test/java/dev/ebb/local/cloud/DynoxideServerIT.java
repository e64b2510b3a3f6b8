package dev.ebb.local.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The DynamoDB server's process: never two on one database, and a DynamoDB Local folder is set aside, not lost. */
class DynoxideServerIT {

    @Test
    void start_whenAServerOfAnEarlierRunStillHoldsTheFolder_stopsItFirstAndKeepsItsData(@TempDir Path dir)
            throws Exception {
        DynoxideServer left = DynoxideServer.start(dir, freePort());
        long leftPid = Long.parseLong(Files.readString(dir.resolve("dynoxide.pid")).strip());
        try (DynamoDbClient client = client(left.port())) {
            client.createTable(r -> r.tableName("things").billingMode("PAY_PER_REQUEST")
                    .attributeDefinitions(a -> a.attributeName("k").attributeType("S"))
                    .keySchema(k -> k.attributeName("k").keyType("HASH")));
            client.waiter().waitUntilTableExists(r -> r.tableName("things"));
            client.putItem(r -> r.tableName("things").item(Map.of("k", AttributeValue.fromS("kept"))));
        }
        // The JVM that started it "died": nothing stopped it, its pid file is still there.

        DynoxideServer next = DynoxideServer.start(dir, freePort());
        try {
            Optional<ProcessHandle> old = ProcessHandle.of(leftPid);
            if (old.isPresent()) {
                old.get().onExit().get(10, TimeUnit.SECONDS);
            }
            assertThat(ProcessHandle.of(leftPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            try (DynamoDbClient client = client(next.port())) {
                assertThat(client.getItem(r -> r.tableName("things").key(Map.of("k", AttributeValue.fromS("kept"))))
                        .item()).containsEntry("k", AttributeValue.fromS("kept"));
            }
        } finally {
            next.stop();
        }
        assertThat(dir.resolve("dynoxide.pid")).doesNotExist();
    }

    @Test
    void moveAside_ofAFolderWrittenByDynamoDbLocal_movesItWhole_andLeavesOtherFoldersAlone(@TempDir Path data)
            throws Exception {
        Files.createDirectories(data.resolve("dynamodb"));
        Files.writeString(data.resolve("dynamodb/shared-local-instance.db"), "old tables");

        Optional<Path> aside = DynoxideServer.moveAsideDynamoDbLocalData(data);

        assertThat(aside).isPresent();
        assertThat(data.resolve("dynamodb")).doesNotExist();
        assertThat(Files.readString(aside.get().resolve("shared-local-instance.db"))).isEqualTo("old tables");
        assertThat(DynoxideServer.moveAsideDynamoDbLocalData(data)).isEmpty();
    }

    private static DynamoDbClient client(int port) {
        return DynamoDbClient.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
