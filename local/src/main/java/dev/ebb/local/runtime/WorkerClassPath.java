package dev.ebb.local.runtime;

import dev.ebb.core.run.JobRunner;
import dev.ebb.worker.WorkerMain;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The class path a local worker process is started on: the worker's own runtime class path (which the gpu-worker
 * build lists in {@value #LISTING}), taken from the entries of this JVM's class path, plus the code of the worker
 * and of core. That is what the worker's container image holds. This JVM's class path is three times as long (the
 * local cloud's servers: S3Mock and Spring, ElasticMQ, Pekko, ...) and a JVM that has to search it starts about a
 * second later. Entries are matched by artifact (the jar's name without its version), since the listing was made
 * in the worker's build and this class path may come from elsewhere (target/lib, the Maven repository). If any
 * listed artifact is not found here, the whole class path is used: slower, never missing a class.
 */
final class WorkerClassPath {
    private static final Logger log = LoggerFactory.getLogger(WorkerClassPath.class);
    static final String LISTING = "META-INF/ebb/worker-classpath.txt";
    private static final Pattern VERSIONED = Pattern.compile("^(.+?)-\\d[^/]*\\.jar$");

    private WorkerClassPath() {
    }

    /** Computed once per process. */
    static String get() {
        return Holder.CLASS_PATH;
    }

    static String select(List<String> listed, List<String> available, List<String> ownCode) {
        Set<String> wanted = new HashSet<>();
        for (String entry : listed) {
            String artifact = artifact(entry);
            if (artifact != null) {
                wanted.add(artifact);
            }
        }
        Set<String> chosen = new LinkedHashSet<>(ownCode);
        Set<String> found = new HashSet<>();
        for (String entry : available) {
            String artifact = artifact(entry);
            if (artifact != null && wanted.contains(artifact)) {
                chosen.add(entry);
                found.add(artifact);
            }
        }
        if (wanted.isEmpty() || !found.containsAll(wanted)) {
            Set<String> missing = new HashSet<>(wanted);
            missing.removeAll(found);
            log.info("worker class path: the whole class path (not found here: {})", wanted.isEmpty() ? "the listing"
                    : missing);
            return String.join(File.pathSeparator, available);
        }
        return String.join(File.pathSeparator, chosen);
    }

    /** The artifact a jar holds, by its file name without the version; null for anything else (a folder). */
    static String artifact(String entry) {
        Matcher matcher = VERSIONED.matcher(Path.of(entry).getFileName() == null ? "" : Path.of(entry).getFileName()
                .toString());
        return matcher.matches() ? matcher.group(1) : null;
    }

    private static String compute() {
        List<String> available = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        List<String> listed = new ArrayList<>();
        try (InputStream in = WorkerMain.class.getClassLoader().getResourceAsStream(LISTING)) {
            if (in != null) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!text.isEmpty()) {
                    listed.addAll(List.of(text.split(File.pathSeparator)));
                }
            }
        } catch (IOException e) {
            log.warn("could not read {}: {}", LISTING, e.toString());
        }
        List<String> ownCode = new ArrayList<>();
        for (Class<?> type : List.of(WorkerMain.class, JobRunner.class)) {
            try {
                ownCode.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException | RuntimeException e) {
                return String.join(File.pathSeparator, available);
            }
        }
        return select(listed, available, ownCode);
    }

    private static final class Holder {
        static final String CLASS_PATH = compute();
    }
}
