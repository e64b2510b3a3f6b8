package dev.ebb.local.cloud;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.pattern.Patterns;
import org.elasticmq.StrictSQSLimits$;
import org.elasticmq.actor.QueueManagerActor;
import org.elasticmq.actor.queue.QueueEvent;
import org.elasticmq.persistence.CreateQueueMetadata;
import org.elasticmq.persistence.sql.SqlQueuePersistenceActor;
import org.elasticmq.persistence.sql.SqlQueuePersistenceConfig;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.elasticmq.util.NowProvider;
import scala.Option;
import scala.collection.immutable.List$;
import scala.jdk.javaapi.FutureConverters;
import scala.util.Either;
import scalikejdbc.ConnectionPool$;

/**
 * ElasticMQ in this JVM, with queues and messages kept in an H2 database under a data directory.
 *
 * <p>{@code SQSRestServerBuilder} alone keeps everything in memory; the stand-alone server's
 * {@code messages-storage} setting is what wires {@link SqlQueuePersistenceActor} in as the queue
 * manager's event listener and replays the stored queues at start. This class does the same wiring.
 */
final class ElasticMqServer {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ActorSystem actorSystem;
    private final SQSRestServer restServer;
    private final int port;

    private ElasticMqServer(ActorSystem actorSystem, SQSRestServer restServer, int port) {
        this.actorSystem = actorSystem;
        this.restServer = restServer;
        this.port = port;
    }

    static ElasticMqServer start(Path dataDir, String host, int port, String region) throws Exception {
        // Pekko's own logging would print to stdout before SLF4J takes over; keep only warnings.
        Config config = ConfigFactory.parseMap(Map.of(
                        "pekko.loglevel", "WARNING",
                        "pekko.stdout-loglevel", "OFF"))
                .withFallback(ConfigFactory.load(ElasticMqServer.class.getClassLoader()));
        ActorSystem actorSystem = ActorSystem.create("elasticmq", config);
        try {
            SqlQueuePersistenceConfig persistence = new SqlQueuePersistenceConfig(
                    true, "org.h2.Driver", jdbcUrl(dataDir), "", "", false);
            openConnectionPool(persistence);
            ActorRef store = actorSystem.actorOf(Props.create(SqlQueuePersistenceActor.class,
                    () -> new SqlQueuePersistenceActor(persistence, List$.MODULE$.<CreateQueueMetadata>empty())));
            ActorRef queueManager = actorSystem.actorOf(Props.create(QueueManagerActor.class,
                    () -> new QueueManagerActor(new NowProvider(), StrictSQSLimits$.MODULE$, Option.apply(store))));
            Object restored = Patterns.ask(store, new QueueEvent.Restore(queueManager), TIMEOUT)
                    .toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (restored instanceof Either<?, ?> either && either.isLeft()) {
                throw new IllegalStateException("ElasticMQ could not restore its queues: " + either);
            }
            SQSRestServer restServer = SQSRestServerBuilder.withActorSystem(actorSystem)
                    .withQueueManagerActor(queueManager)
                    .withInterface(host)
                    .withPort(port)
                    .withAWSRegion(region)
                    .start();
            int boundPort = restServer.waitUntilStarted().localAddress().getPort();
            return new ElasticMqServer(actorSystem, restServer, boundPort);
        } catch (Exception | Error e) {
            terminate(actorSystem);
            throw e;
        }
    }

    /**
     * The H2 database under {@code dataDir}, written at every commit. ElasticMQ answers a send only after its store
     * committed the message, but H2 by default writes commits to its file up to {@code WRITE_DELAY} (500 ms) later,
     * so a process killed in that window lost messages it had acknowledged. With {@code WRITE_DELAY=0} each commit
     * is written to the file before the commit returns: it survives the death of this process (SIGKILL included);
     * like H2's default it does not force the file to the disk, so a power cut may still lose the last commits.
     */
    static String jdbcUrl(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("elasticmq") + ";WRITE_DELAY=0";
    }

    int port() {
        return port;
    }

    /** Stops accepting requests, stops the actors, then closes the H2 database so it is flushed to disk. */
    void stop() throws Exception {
        try {
            FutureConverters.asJava(restServer.stopAndGetFuture().apply())
                    .toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            terminate(actorSystem);
        }
    }

    private static void terminate(ActorSystem actorSystem) throws Exception {
        try {
            actorSystem.terminate();
            actorSystem.getWhenTerminated().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            ConnectionPool$.MODULE$.closeAll();
        }
    }

    /**
     * ElasticMQ's {@code DB} opens scalikejdbc's JVM-wide default pool only the first time it is used
     * in a JVM; after a stop (which closes the pool) a new server needs it opened again.
     */
    private static void openConnectionPool(SqlQueuePersistenceConfig persistence) throws ClassNotFoundException {
        ConnectionPool$ pools = ConnectionPool$.MODULE$;
        if (pools.isInitialized(pools.DEFAULT_NAME())) {
            return;
        }
        Class.forName(persistence.driverClass());
        var settings = pools.singleton$default$4();
        pools.singleton(persistence.uri(), persistence.username(), persistence.password(), settings,
                pools.singleton$default$5(persistence.uri(), persistence.username(), persistence.password(), settings));
    }
}
