package dev.ebb.local.fault;

import dev.ebb.local.cli.EbbCli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code ebb up} as a child process on a data folder: the whole local cloud in its own JVM (ElasticMQ, S3Mock, the
 * gateway, the cpu lane's consumers, the scaler) and the processes it starts (Dynoxide and its watchdog, gpu
 * workers), so that the crash scenario can SIGKILL all of it at once, as a machine that loses power or an OOM
 * killer would, and start it again on the same state.
 */
final class LocalCloudProcess {
    /** The last line of the banner `ebb up` prints once the API key is written. */
    private static final String UP_LINE = "Ctrl-C stops it";

    private final Process process;
    private final CompletableFuture<Boolean> up = new CompletableFuture<>();
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final URI api;

    private LocalCloudProcess(Process process, URI api) {
        this.process = process;
        this.api = api;
        Thread.ofPlatform().daemon().name("cloud-output-" + process.pid()).start(this::pump);
    }

    /** Starts {@code ebb up} on {@code data} with the API on {@code apiPort} and free ports for the servers. */
    static LocalCloudProcess start(Path data, int apiPort, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The options ./ebb gave this JVM that the local cloud needs too (native access, logging, Dynoxide's path).
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("--enable-native-access") || option.startsWith("--sun-misc-unsafe-memory-access")
                    || option.startsWith("-Dlogback.") || option.startsWith("-Debb.")) {
                command.add(option);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(EbbCli.class.getName());
        command.addAll(List.of("up", "--data", data.toString(), "--ports", "any", "--port", Integer.toString(apiPort),
                "--workers", "0..2"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        LocalCloudProcess cloud = new LocalCloudProcess(builder.start(),
                URI.create("http://127.0.0.1:" + apiPort));
        try {
            if (!cloud.up.get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("the local cloud exited before it was up: " + cloud.lastLines());
            }
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            cloud.kill();
            throw new IOException("the local cloud was not up within " + timeout + ": " + cloud.lastLines(), e);
        }
        return cloud;
    }

    URI api() {
        return api;
    }

    long pid() {
        return process.pid();
    }

    /**
     * SIGKILLs the local cloud's JVM and every process it started, all at once: nothing gets to flush, drain or
     * stop its children. Returns how many processes were killed.
     */
    int kill() throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : all) {
            handle.onExit().completeOnTimeout(handle, 10, TimeUnit.SECONDS).join();
        }
        return all.size();
    }

    /** Stops it as Ctrl-C does (SIGTERM: drain, then stop the servers), or kills it after a minute. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
        }
    }

    private void pump() {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > 20) {
                        lastLines.removeFirst();
                    }
                }
                if (line.contains(UP_LINE)) {
                    up.complete(true);
                }
            }
        } catch (IOException e) {
            // killed: its output ends here
        }
        up.complete(false);
    }

    private String lastLines() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }
}
