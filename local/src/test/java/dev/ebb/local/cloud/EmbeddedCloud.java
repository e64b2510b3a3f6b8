package dev.ebb.local.cloud;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One provisioned {@link LocalCloud} per test JVM, on free ports in a temporary directory, started on
 * first use and stopped (its directory deleted) by a shutdown hook. Integration tests share it; each
 * should use its own message bodies and item keys rather than assume empty queues or tables.
 */
public final class EmbeddedCloud {

    private static LocalCloud cloud;
    private static ProvisionedResources resources;

    private EmbeddedCloud() {
    }

    /** The started, provisioned cloud. */
    public static synchronized LocalCloud get() {
        if (cloud == null) {
            Path dataDir;
            try {
                dataDir = Files.createTempDirectory("ebb-cloud-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cloud = new LocalCloud(LocalCloud.Config.builder()
                    .dataDir(dataDir).sqsPort(0).dynamoDbPort(0).build()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAndDelete(dataDir), "embedded-cloud-stop"));
            resources = cloud.provision(ResourceSpec.defaults());
        }
        return cloud;
    }

    /** The default resources, provisioned in {@link #get()}'s cloud. */
    public static synchronized ProvisionedResources resources() {
        get();
        return resources;
    }

    /**
     * Stops the cloud and starts a new {@link LocalCloud} on the same directory and ports, as a restart of
     * the process would. Clients from the old cloud are closed; take new ones from the returned cloud.
     */
    public static synchronized LocalCloud restart() {
        LocalCloud old = get();
        LocalCloud.Config sameAsBefore = LocalCloud.Config.builder()
                .dataDir(old.config().dataDir())
                .sqsPort(old.sqsEndpoint().getPort())
                .dynamoDbPort(old.dynamoDbEndpoint().getPort())
                .s3Port(old.s3Endpoint().getPort())
                .build();
        old.stop();
        cloud = new LocalCloud(sameAsBefore).start();
        return cloud;
    }

    private static synchronized void stopAndDelete(Path dataDir) {
        cloud.stop();
        try (Stream<Path> paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dataDir + ": " + e);
        }
    }
}
