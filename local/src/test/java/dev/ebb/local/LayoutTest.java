package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The local module's two rooms: the local cloud itself ({@code cloud}: the servers; {@code runtime}: gateway, event
 * sources, upload poller, scaler, worker processes) and the tools that use it ({@code cli}, {@code bench},
 * {@code fault}, {@code simulate}). Tools may use the runtime; the runtime never uses a tool, so what {@code ebb up}
 * runs does not grow with what the command line offers.
 */
class LayoutTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/ebb/local");
    private static final Pattern TOOL_REFERENCE = Pattern.compile("dev\\.ebb\\.local\\.(cli|bench|fault|simulate)\\.");

    @Test
    void theLocalCloudsRuntime_neverUsesTheTools() throws IOException {
        assertThat(referencesToTools("cloud")).isEmpty();
        assertThat(referencesToTools("runtime")).isEmpty();
    }

    @Test
    void everyClass_livesInOneOfTheRooms() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            assertThat(files.filter(f -> f.toString().endsWith(".java")).toList())
                    .as("classes directly in dev.ebb.local belong in a room").isEmpty();
        }
    }

    private static List<String> referencesToTools(String room) throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES.resolve(room))) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        try {
                            return TOOL_REFERENCE.matcher(Files.readString(f)).find();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(Path::toString)
                    .toList();
        }
    }
}
