package dev.ebb.local.cloud;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local cloud's DynamoDB-compatible server: Dynoxide (open source, MIT OR Apache-2.0), a child process on
 * 127.0.0.1 keeping its tables in one SQLite file. {@code ./ebb} installs the pinned binary and passes its path in
 * {@value #PROPERTY} (or {@value #ENV}).
 *
 * <p>It never outlives the JVM: its pid is written next to its database and a process left by a JVM that died is
 * stopped on the next start; a watchdog process stops it within a second or so of the JVM's death. It runs in its
 * own session, so a Ctrl-C at the terminal reaches the JVM (which drains, then stops it) and not the server first.
 */
final class DynoxideServer {
    static final String PROPERTY = "ebb.dynoxide";
    static final String ENV = dev.ebb.core.config.Deployment.DYNOXIDE.name();
    static final String VERSION = "1.2.1";
    static final String DATABASE = "dynoxide.db";
    private static final String PID_FILE = "dynoxide.pid";
    private static final Logger log = LoggerFactory.getLogger(DynoxideServer.class);

    private final Path dir;
    private final int port;
    private Process process;
    private Process watchdog;

    private DynoxideServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts the server on {@code host:port} with its database in {@code dir}; returns once it accepts connections. */
    static DynoxideServer start(Path dir, int port) throws IOException {
        DynoxideServer server = new DynoxideServer(dir, port);
        server.start();
        return server;
    }

    int port() {
        return port;
    }

    private void start() throws IOException {
        Files.createDirectories(dir);
        stopLeftover();
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.addAll(List.of(binary().toString(), "serve", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--db-path", dir.resolve(DATABASE).toString()));
        Path logFile = dir.resolve("dynoxide.log");
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        Files.writeString(dir.resolve(PID_FILE), Long.toString(process.pid()), StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        List<String> watch = new ArrayList<>(command.subList(0, command.size() - 8));
        watch.addAll(List.of("/bin/sh", "-c", "while kill -0 " + self + " 2>/dev/null && kill -0 "
                + process.pid() + " 2>/dev/null; do sleep 1; done; kill -TERM " + process.pid() + " 2>/dev/null;"
                + " sleep 3; kill -KILL " + process.pid() + " 2>/dev/null"));
        watchdog = new ProcessBuilder(watch)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        awaitPort();
    }

    /**
     * Stops it: SIGTERM, and SIGKILL if it has not exited after a few seconds (its data survives either: every write
     * is committed to SQLite before it answers).
     */
    void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    log.warn("Dynoxide did not stop within 5 s of SIGTERM; killing it");
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        if (watchdog != null) {
            watchdog.destroy();
            watchdog = null;
        }
        try {
            Files.deleteIfExists(dir.resolve(PID_FILE));
        } catch (IOException e) {
            log.warn("could not delete {}", dir.resolve(PID_FILE), e);
        }
    }

    /** The binary's path: the system property, then the environment variable, then ./ebb's cache folder. */
    static Path binary() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
        }
        Path path = configured == null || configured.isBlank()
                ? Path.of(System.getProperty("user.home"), ".cache", "ebb", "dynoxide", VERSION, "node_modules",
                        "@dynoxide", "linux-x64", "dynoxide")
                : Path.of(configured);
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("the DynamoDB-compatible server (Dynoxide " + VERSION + ") is not at "
                    + path + ": start Ebb with ./ebb, which installs it (it needs npm), or set " + ENV);
        }
        return path;
    }

    /** A server whose JVM died without stopping it (its pid file is still here): stop it before taking its file. */
    private void stopLeftover() throws IOException {
        Path pidFile = dir.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> leftover;
        try {
            leftover = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
        } catch (NumberFormatException e) {
            leftover = Optional.empty();
        }
        leftover.filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("dynoxide")).orElse(false))
                .ifPresent(p -> {
                    log.warn("stopping a Dynoxide server (pid {}) left running by an earlier run", p.pid());
                    p.destroy();
                    try {
                        p.onExit().get(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        p.destroyForcibly();
                    }
                });
        Files.deleteIfExists(pidFile);
    }

    private void awaitPort() throws IOException {
        for (int i = 0; i < 500; i++) {
            if (!process.isAlive()) {
                throw new IOException("Dynoxide exited at start with status " + process.exitValue()
                        + " (is port " + port + " taken?); see " + dir.resolve("dynoxide.log"));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while Dynoxide started", interrupted);
                }
            }
        }
        stop();
        throw new IOException("Dynoxide did not accept connections on port " + port + " within 10 s");
    }

    /**
     * A data folder written by DynamoDB Local (the server the local cloud used before) cannot be read by this one:
     * it is moved aside, never deleted, and the tables start empty.
     *
     * @return where it was moved, if it was
     */
    static Optional<Path> moveAsideDynamoDbLocalData(Path dataDir) throws IOException {
        Path old = dataDir.resolve("dynamodb");
        if (!Files.isDirectory(old)) {
            return Optional.empty();
        }
        boolean written;
        try (Stream<Path> files = Files.list(old)) {
            written = files.anyMatch(p -> p.getFileName().toString().endsWith(".db"));
        }
        if (!written) {
            return Optional.empty();
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path aside = dataDir.resolve("dynamodb-local-" + stamp);
        Files.move(old, aside, StandardCopyOption.ATOMIC_MOVE);
        log.warn("{} holds tables written by DynamoDB Local, which the local cloud no longer runs and its open-source"
                + " replacement (Dynoxide) cannot read; moved it to {} (nothing was deleted) and starting with empty"
                + " tables. Jobs and API keys from before are in that folder only.", old, aside);
        return Optional.of(aside);
    }
}
