package dev.ebb.local.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerAotCacheTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsJdk25() {
        assumeTrue(Runtime.version().feature() >= WorkerAotCache.FIRST_RELEASE, "AOT caches need JDK 25");
    }

    private static String option(List<String> options) {
        assertThat(options).hasSize(1);
        return options.get(0);
    }

    @Test
    void theFirstWorkerTrains_othersMeanwhileStartWithout_andAfterItsExitAllUseTheCache() throws Exception {
        WorkerAotCache cache = WorkerAotCache.in(dir, "a.jar");

        String training = option(cache.optionsFor("worker-1"));
        assertThat(training).startsWith("-XX:AOTCacheOutput=").endsWith(".aot");
        assertThat(cache.optionsFor("worker-2")).isEmpty();
        // The training JVM writes its cache as it exits.
        Files.write(Path.of(training.substring("-XX:AOTCacheOutput=".length())), new byte[] {1, 2, 3});
        cache.exited("worker-2");
        assertThat(Files.exists(cache.file())).isFalse();
        cache.exited("worker-1");

        assertThat(Files.exists(cache.file())).isTrue();
        assertThat(option(cache.optionsFor("worker-3"))).isEqualTo("-XX:AOTCache=" + cache.file());
        assertThat(WorkerAotCache.use(cache.optionsFor("worker-4"))).isEqualTo(WorkerAotCache.Use.USES);
    }

    @Test
    void aTrainingRunKilledBeforeItsCacheLeavesNone_andTheNextWorkerTrains() {
        WorkerAotCache cache = WorkerAotCache.in(dir, "a.jar");
        assertThat(WorkerAotCache.use(cache.optionsFor("worker-1"))).isEqualTo(WorkerAotCache.Use.TRAINS);

        cache.exited("worker-1");

        assertThat(Files.exists(cache.file())).isFalse();
        assertThat(WorkerAotCache.use(cache.optionsFor("worker-2"))).isEqualTo(WorkerAotCache.Use.TRAINS);
    }

    @Test
    void anotherClassPathIsAnotherCache() throws Exception {
        Path jar = Files.write(dir.resolve("w-1.0.jar"), new byte[] {1});
        WorkerAotCache first = WorkerAotCache.in(dir, jar.toString());
        Files.write(jar, new byte[] {1, 2}); // rebuilt: another size

        assertThat(WorkerAotCache.in(dir, jar.toString()).file()).isNotEqualTo(first.file());
        assertThat(WorkerAotCache.in(dir, "other.jar").file()).isNotEqualTo(first.file());
    }
}
