package dev.ebb.local.runtime;

import dev.ebb.core.Digests;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ahead-of-time cache for the local worker JVMs (JDK 25's {@code -XX:AOTCache}, JEP 483/514): the classes a
 * worker loads and links while it starts, stored once, so later workers start from them. The first worker started
 * without a cache is the training run ({@code -XX:AOTCacheOutput}): the JVM writes the cache when it exits after its
 * drain; it is written beside the final name and moved into place only when complete. Measured on the 2-core
 * development machine, a worker that starts from the cache reaches its first poll in about half the time
 * (docs/benchmarks.md).
 *
 * <p>The cache is keyed by the JVM and by every class path entry's name, size and modification time, so a rebuilt
 * jar or another JDK makes a new one. On a JDK older than 25 there is no cache and workers start as before. A
 * worker killed before its drain writes no cache; the next one trains again.
 *
 * <p>It lives in the user's cache folder ({@link #userCacheDir()}, beside the models), not in a local cloud's data
 * folder: it holds classes, no state, and its key already says which build and JVM it is for, so every data folder —
 * a fresh {@code ebb up}, each test's and bench's throw-away one — starts its workers from the cache the first worker
 * after a build trained, instead of paying the training run once per folder.
 */
public final class WorkerAotCache {
    private static final Logger log = LoggerFactory.getLogger(WorkerAotCache.class);
    static final int FIRST_RELEASE = 25;

    private final Path file;
    private String trainee;

    /** How a worker started with respect to the cache. */
    public enum Use { NONE, TRAINS, USES }

    /** What {@link #optionsFor} options mean for the worker started with them. */
    static Use use(List<String> options) {
        for (String option : options) {
            if (option.startsWith("-XX:AOTCacheOutput=")) {
                return Use.TRAINS;
            }
            if (option.startsWith("-XX:AOTCache=")) {
                return Use.USES;
            }
        }
        return Use.NONE;
    }

    private WorkerAotCache(Path file) {
        this.file = file;
    }

    /** {@code ~/.cache/ebb/aot}: where {@link #in} keeps the caches of every local cloud of this user. */
    public static Path userCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "ebb", "aot");
    }

    /** A cache under {@code dir} for workers started by this JVM on {@code classPath}; none before JDK 25. */
    static WorkerAotCache in(Path dir, String classPath) {
        if (Runtime.version().feature() < FIRST_RELEASE) {
            return new WorkerAotCache(null);
        }
        return new WorkerAotCache(dir.resolve("worker-" + key(classPath) + ".aot"));
    }

    /** The JVM options for the next worker: start from the cache, train it, or neither (a training runs now). */
    synchronized List<String> optionsFor(String workerId) {
        List<String> options = new ArrayList<>();
        if (file == null) {
            options.add("-Xshare:auto");
        } else if (Files.isRegularFile(file)) {
            options.add("-XX:AOTCache=" + file);
        } else if (trainee == null) {
            trainee = workerId;
            try {
                Files.createDirectories(file.getParent());
                options.add("-XX:AOTCacheOutput=" + training(workerId));
                log.info("{} is the training run of the workers' AOT cache {}", workerId, file);
            } catch (IOException e) {
                log.warn("no AOT cache for the workers: {}", e.toString());
                trainee = null;
            }
        }
        return options;
    }

    /** After worker {@code workerId} exited: a finished training run's cache is moved into place. */
    synchronized void exited(String workerId) {
        if (file == null || !workerId.equals(trainee)) {
            return;
        }
        trainee = null;
        Path trained = training(workerId);
        try {
            if (Files.isRegularFile(trained) && Files.size(trained) > 0) {
                Files.move(trained, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                log.info("workers' AOT cache ready: {}", file);
            }
            Files.deleteIfExists(trained);
            Files.deleteIfExists(Path.of(trained + ".config"));
            Files.deleteIfExists(Path.of(trained.toString().replace(".aot", ".aotconf")));
        } catch (IOException e) {
            log.warn("AOT cache not kept: {}", e.toString());
        }
    }

    Path file() {
        return file;
    }

    private Path training(String workerId) {
        // The JVM wants the .aot extension on the file it writes.
        return file.resolveSibling(file.getFileName().toString().replace(".aot", "." + workerId + ".training.aot"));
    }

    private static String key(String classPath) {
        StringBuilder identity = new StringBuilder(System.getProperty("java.home")).append('|')
                .append(Runtime.version());
        for (String entry : classPath.split(File.pathSeparator)) {
            Path path = Path.of(entry);
            identity.append('|').append(entry);
            try {
                identity.append(':').append(Files.size(path)).append(':')
                        .append(Files.getLastModifiedTime(path).toMillis());
            } catch (IOException e) {
                identity.append(":?");
            }
        }
        return java.util.HexFormat.of().formatHex(Digests.sha256(identity.toString())).substring(0, 16);
    }
}
