package dev.ebb.local.cloud;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.ebb.core.config.AwsClientFactory;
import dev.ebb.core.config.Deployment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The AWS services Ebb needs, on 127.0.0.1 only: an SQS-compatible server (ElasticMQ, in process), a
 * DynamoDB-compatible server (Dynoxide, a child process) and an S3-compatible object store (S3Mock, in process).
 * All keep their state under {@link Config#dataDir()} (readable by its owner only), so a {@link #stop()} and a
 * {@link #start()} later, in this JVM or another, find every queue, message, table item and object again.
 *
 * <p>Only one LocalCloud can run in a JVM at a time: ElasticMQ's message store goes through a
 * JVM-wide connection pool. Stopping one and starting another (on the same or another directory) is fine.
 */
public final class LocalCloud implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalCloud.class);
    private static final String HOST = "127.0.0.1";
    private static final Region REGION = Region.US_EAST_1;
    private static final AtomicBoolean runningInJvm = new AtomicBoolean();
    /** Dynoxide's folder under the data folder (DynamoDB Local's was {@code dynamodb}). */
    static final String DYNAMODB_DIR = "dynoxide";
    /** The Bedrock stand-in's pause between two streamed pieces of a reply (a model takes a while too). */
    static final java.time.Duration BEDROCK_CHUNK_DELAY = java.time.Duration.ofMillis(40);

    private final Config config;
    private boolean holdsJvmSlot;
    private ElasticMqServer sqsServer;
    private DynoxideServer dynamoDbServer;
    private S3MockServer s3Server;
    private URI s3Endpoint;
    private S3Client s3Client;
    private URI sqsEndpoint;
    private URI dynamoDbEndpoint;
    private SqsClient sqsClient;
    private DynamoDbClient dynamoDbClient;
    private LocalBedrock bedrock;

    /**
     * Where the local cloud keeps its state and which ports it listens on.
     *
     * @param dataDir      state directory; ElasticMQ's H2 files, Dynoxide's SQLite file and the objects go under it
     * @param sqsPort      SQS endpoint port, 0 for any free port
     * @param dynamoDbPort DynamoDB endpoint port, 0 for any free port
     * @param s3Port       S3 endpoint port, 0 for any free port
     */
    public record Config(Path dataDir, int sqsPort, int dynamoDbPort, int s3Port) {
        /** The object store's port for {@code ebb up} (the one LocalStack made familiar). */
        public static final int STANDARD_S3_PORT = 4566;

        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            requirePort(sqsPort, "sqsPort");
            requirePort(dynamoDbPort, "dynamoDbPort");
            requirePort(s3Port, "s3Port");
        }

        /** A config whose object store takes any free port. */
        public Config(Path dataDir, int sqsPort, int dynamoDbPort) {
            this(dataDir, sqsPort, dynamoDbPort, 0);
        }

        public static Builder builder() {
            return new Builder();
        }

        private static void requirePort(int port, String name) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(name + " must be 0..65535, was " + port);
            }
        }

        public static final class Builder {
            private Path dataDir = Path.of(".ebb");
            private int sqsPort = 9324;
            private int dynamoDbPort = 8000;
            private int s3Port = 0;

            private Builder() {
            }

            public Builder dataDir(Path dataDir) {
                this.dataDir = dataDir;
                return this;
            }

            public Builder sqsPort(int sqsPort) {
                this.sqsPort = sqsPort;
                return this;
            }

            public Builder dynamoDbPort(int dynamoDbPort) {
                this.dynamoDbPort = dynamoDbPort;
                return this;
            }

            public Builder s3Port(int s3Port) {
                this.s3Port = s3Port;
                return this;
            }

            public Config build() {
                return new Config(dataDir, sqsPort, dynamoDbPort, s3Port);
            }
        }
    }

    public LocalCloud(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Starts both servers and waits until they answer.
     *
     * @throws IllegalStateException if this or another LocalCloud is already running in this JVM
     */
    public synchronized LocalCloud start() {
        if (holdsJvmSlot) {
            throw new IllegalStateException("already started");
        }
        if (!runningInJvm.compareAndSet(false, true)) {
            throw new IllegalStateException("another LocalCloud is running in this JVM; stop it first");
        }
        holdsJvmSlot = true;
        long startNanos = System.nanoTime();
        try {
            // The data folder itself is narrowed when this creates it or it is Ebb's own (.ebb): a folder the user
            // named that already exists (say, a shared parent) keeps its permissions; its server folders do not.
            boolean ours = !Files.exists(config.dataDir())
                    || config.dataDir().toAbsolutePath().normalize().getFileName().toString().equals(".ebb");
            Files.createDirectories(config.dataDir());
            if (ours) {
                ownerOnly(config.dataDir());
            }
            DynoxideServer.moveAsideDynamoDbLocalData(config.dataDir());
            Path dynamoDbDir = ownerOnly(config.dataDir().resolve(DYNAMODB_DIR));
            Path sqsDir = ownerOnly(config.dataDir().resolve("sqs"));
            int dynamoDbPort = config.dynamoDbPort() == 0 ? freePort() : config.dynamoDbPort();
            dynamoDbServer = DynoxideServer.start(dynamoDbDir, dynamoDbPort);
            dynamoDbEndpoint = URI.create("http://" + HOST + ":" + dynamoDbPort);
            sqsServer = ElasticMqServer.start(sqsDir, HOST, config.sqsPort(), REGION.id());
            sqsEndpoint = URI.create("http://" + HOST + ":" + sqsServer.port());
            Path s3Dir = ownerOnly(config.dataDir().resolve("s3"));
            int s3Port = config.s3Port() == 0 ? freePort() : config.s3Port();
            s3Server = S3MockServer.start(s3Dir, s3Port);
            s3Endpoint = URI.create("http://" + HOST + ":" + s3Port);
            bedrock = LocalBedrock.start(0, BEDROCK_CHUNK_DELAY);
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("local cloud did not start in " + config.dataDir(), e);
        }
        log.info("local cloud started in {} ms: sqs={} dynamodb={} s3={} bedrock (stand-in)={} dataDir={}",
                (System.nanoTime() - startNanos) / 1_000_000, sqsEndpoint, dynamoDbEndpoint, s3Endpoint,
                bedrock.endpoint(), config.dataDir());
        return this;
    }

    /**
     * Stops the SQS server alone, as an outage would, keeping its state on disk; {@link #startSqs()} brings it back
     * on the same port and state. Clients made before keep working once it is back.
     */
    public synchronized void stopSqs() throws Exception {
        requireStarted(sqsEndpoint);
        if (sqsServer != null) {
            sqsServer.stop();
            sqsServer = null;
        }
    }

    /** Starts the SQS server again after {@link #stopSqs()}, on the same port and state. */
    public synchronized void startSqs() throws Exception {
        if (sqsServer == null) {
            sqsServer = ElasticMqServer.start(config.dataDir().resolve("sqs"), HOST, requireStarted(sqsEndpoint).getPort(),
                    REGION.id());
        }
    }

    /** Stops the DynamoDB server alone, keeping its state on disk; {@link #startDynamoDb()} brings it back. */
    public synchronized void stopDynamoDb() throws Exception {
        requireStarted(dynamoDbEndpoint);
        if (dynamoDbServer != null) {
            dynamoDbServer.stop();
            dynamoDbServer = null;
        }
    }

    /** Starts the DynamoDB server again after {@link #stopDynamoDb()}, on the same port and state. */
    public synchronized void startDynamoDb() throws Exception {
        if (dynamoDbServer == null) {
            dynamoDbServer = DynoxideServer.start(config.dataDir().resolve(DYNAMODB_DIR),
                    requireStarted(dynamoDbEndpoint).getPort());
        }
    }

    /** Creates {@code dir} if needed and makes it readable, writable and searchable by its owner only (0700). */
    static Path ownerOnly(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to narrow
        }
        return dir;
    }

    /** Creates what {@code spec} names and is missing; see {@link Provisioner}. */
    public ProvisionedResources provision(ResourceSpec spec) {
        return new Provisioner(sqsClient(), dynamoDbClient(), s3Client()).provision(spec);
    }

    /**
     * The Bedrock stand-in ({@link LocalBedrock}: Converse and ConverseStream, deterministic replies that say they
     * are a stand-in), on a free port of 127.0.0.1.
     */
    public synchronized LocalBedrock bedrock() {
        if (bedrock == null) {
            throw new IllegalStateException("local cloud is not started");
        }
        return bedrock;
    }

    public synchronized URI s3Endpoint() {
        return requireStarted(s3Endpoint);
    }

    /** An S3 client for this cloud (path-style: the server has no per-bucket host names), closed by {@link #stop()}. */
    public synchronized S3Client s3Client() {
        if (s3Client == null) {
            s3Client = clients().s3();
        }
        return s3Client;
    }

    public synchronized URI sqsEndpoint() {
        return requireStarted(sqsEndpoint);
    }

    public synchronized URI dynamoDbEndpoint() {
        return requireStarted(dynamoDbEndpoint);
    }

    /** An SQS client for this cloud, made once and closed by {@link #stop()}. */
    public synchronized SqsClient sqsClient() {
        if (sqsClient == null) {
            sqsClient = clients().sqs();
        }
        return sqsClient;
    }

    /** A DynamoDB client for this cloud, made once and closed by {@link #stop()}. */
    public synchronized DynamoDbClient dynamoDbClient() {
        if (dynamoDbClient == null) {
            dynamoDbClient = clients().dynamoDb();
        }
        return dynamoDbClient;
    }

    /**
     * This cloud's clients are built as every deployable's are (core's factory: its retry strategy, path-style S3
     * against an endpoint override), pointed at these servers with the local credentials.
     */
    private AwsClientFactory clients() {
        return AwsClientFactory.builder()
                .environment(Map.of("AWS_REGION", REGION.id(),
                        Deployment.SQS_ENDPOINT.name(), sqsEndpoint().toString(),
                        Deployment.DYNAMODB_ENDPOINT.name(), dynamoDbEndpoint().toString(),
                        Deployment.S3_ENDPOINT.name(), s3Endpoint().toString()))
                .httpClient(UrlConnectionHttpClient::builder)
                .credentials(credentials())
                .build();
    }

    public Config config() {
        return config;
    }

    /**
     * Closes the clients and stops the servers, letting each write its state to disk. Does nothing if
     * not running; failures are logged, and every part is still stopped.
     */
    public synchronized void stop() {
        if (sqsClient != null) {
            sqsClient.close();
            sqsClient = null;
        }
        if (dynamoDbClient != null) {
            dynamoDbClient.close();
            dynamoDbClient = null;
        }
        if (s3Client != null) {
            s3Client.close();
            s3Client = null;
        }
        if (bedrock != null) {
            bedrock.close();
            bedrock = null;
        }
        if (s3Server != null) {
            try {
                s3Server.stop();
            } catch (Exception e) {
                log.error("the local object store did not stop cleanly", e);
            }
            s3Server = null;
        }
        if (sqsServer != null) {
            try {
                sqsServer.stop();
            } catch (Exception e) {
                log.error("ElasticMQ did not stop cleanly", e);
            }
            sqsServer = null;
        }
        if (dynamoDbServer != null) {
            try {
                dynamoDbServer.stop();
            } catch (Exception e) {
                log.error("the DynamoDB server did not stop cleanly", e);
            }
            dynamoDbServer = null;
        }
        sqsEndpoint = null;
        dynamoDbEndpoint = null;
        s3Endpoint = null;
        if (holdsJvmSlot) {
            holdsJvmSlot = false;
            runningInJvm.set(false);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
    }

    private static URI requireStarted(URI endpoint) {
        if (endpoint == null) {
            throw new IllegalStateException("local cloud is not started");
        }
        return endpoint;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
