package dev.ebb.local.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The throw-away state folders of the demo, the benchmarks and the fault suite. */
public final class TempDirs {
    private TempDirs() {
    }

    /** Deletes a folder and everything in it; what cannot be deleted is left for the system's temp cleaner. */
    public static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary folder; the system cleans it up
        }
    }
}
