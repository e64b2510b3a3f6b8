package dev.ebb.local;

import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.cli.EbbClient;
import dev.ebb.local.cloud.EmbeddedCloud;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** One Ebb runtime per test JVM (gateway, cpu lane, a gpu worker) on the JVM's {@link EmbeddedCloud}. */
final class EmbeddedEbb {
    private static LocalRuntime runtime;

    private EmbeddedEbb() {
    }

    static synchronized LocalRuntime get() {
        if (runtime == null) {
            try {
                var cloud = EmbeddedCloud.get();
                // Every semantic hit is run again and compared, so the tests see a measured false-hit rate.
                runtime = LocalRuntime.attach(cloud, LocalRuntime.Options.ephemeral(Path.of("unused"))
                        .withWorkerEnv(java.util.Map.of(dev.ebb.core.config.Deployment.SEMANTIC_SAMPLE.name(), "1")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // Runs before the cloud's own hook would matter: the workers stop first, then the servers.
            Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "embedded-ebb-stop"));
        }
        return runtime;
    }

    /** A client with a new key for {@code tenant}. */
    static EbbClient client(String tenant) {
        LocalRuntime ebb = get();
        return new EbbClient(ebb.apiEndpoint(), ebb.keys().create(tenant));
    }
}
