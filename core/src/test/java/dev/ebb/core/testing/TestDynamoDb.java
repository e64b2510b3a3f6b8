package dev.ebb.core.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A real DynamoDB-compatible server for one test JVM: Dynoxide (open source, a binary that {@code ./ebb test}
 * installs) on 127.0.0.1, a free port and a fresh temporary database, stopped when the JVM exits; a watchdog
 * process stops it too if the JVM is killed. Where the binary is: system property {@value #PROPERTY}, then the
 * environment variable {@value #ENV}, then {@code ~/.cache/ebb/dynoxide/1.2.1/...} (where {@code ./ebb} puts it).
 */
public final class TestDynamoDb {
    public static final String PROPERTY = "ebb.dynoxide";
    public static final String ENV = dev.ebb.core.config.Deployment.DYNOXIDE.name();
    public static final String VERSION = "1.2.1";

    private static DynamoDbClient client;
    private static URI endpoint;

    private TestDynamoDb() {
    }

    /** A client of the JVM's one server, started on first use. Credentials and region are ignored by the server. */
    public static synchronized DynamoDbClient client() {
        if (client == null) {
            endpoint = start();
            client = DynamoDbClient.builder()
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .endpointOverride(endpoint)
                    .httpClientBuilder(UrlConnectionHttpClient.builder())
                    .build();
        }
        return client;
    }

    public static synchronized URI endpoint() {
        client();
        return endpoint;
    }

    /** The binary's path as {@code ./ebb} and Maven pass it, or the cache folder's default. */
    public static Path binary() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
        }
        Path path = configured == null || configured.isBlank()
                ? Path.of(System.getProperty("user.home"), ".cache", "ebb", "dynoxide", VERSION, "node_modules",
                        "@dynoxide", "linux-x64", "dynoxide")
                : Path.of(configured);
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("the DynamoDB-compatible test server (Dynoxide " + VERSION
                    + ") is not at " + path + ": run the tests through ./ebb test, which installs it (needs npm)");
        }
        return path;
    }

    private static URI start() {
        try {
            Path dir = Files.createTempDirectory("ebb-test-dynoxide");
            int port = freePort();
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
                command.add("/usr/bin/setsid"); // own session: a Ctrl-C to the build reaches the JVM, not the server
            }
            command.addAll(List.of(binary().toString(), "serve", "--host", "127.0.0.1", "--port",
                    Integer.toString(port), "--db-path", dir.resolve("dynoxide.db").toString()));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dynoxide.log").toFile())
                    .start();
            long self = ProcessHandle.current().pid();
            // Stops the server if this JVM dies without running its shutdown hooks (SIGKILL, a crash).
            new ProcessBuilder("/bin/sh", "-c", "while kill -0 " + self + " 2>/dev/null && kill -0 " + process.pid()
                    + " 2>/dev/null; do sleep 1; done; kill -TERM " + process.pid() + " 2>/dev/null")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop(process);
                deleteQuietly(dir);
            }, "dynoxide-stop"));
            awaitPort(process, port);
            return URI.create("http://127.0.0.1:" + port);
        } catch (IOException e) {
            throw new IllegalStateException("Dynoxide did not start", e);
        }
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: the system cleans it up
        }
    }

    private static void awaitPort(Process process, int port) throws IOException {
        for (int i = 0; i < 500; i++) {
            if (!process.isAlive()) {
                throw new IOException("Dynoxide exited at start with " + process.exitValue());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", interrupted);
                }
            }
        }
        throw new IOException("Dynoxide did not accept connections on port " + port);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
