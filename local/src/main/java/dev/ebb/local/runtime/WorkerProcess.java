package dev.ebb.local.runtime;

import dev.ebb.worker.WorkerMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A gpu-lane worker in its own JVM, as ECS runs one task per worker: started with the environment it would get
 * from its task definition, stopped with SIGTERM (a graceful drain) or killed with SIGKILL. The local scaler and
 * the fault tests drive workers through this class.
 */
public final class WorkerProcess implements AutoCloseable {
    private static final String STARTED_LINE = "worker started";

    private final String name;
    private final Process process;
    private final CompletableFuture<Boolean> started = new CompletableFuture<>();

    private WorkerProcess(String name, Process process, Consumer<String> output) {
        this.name = name;
        this.process = process;
        Thread.ofPlatform().daemon().name("worker-output-" + name).start(() -> pump(output));
    }

    /**
     * Starts {@link WorkerMain} with this JVM's class path.
     *
     * @param env    the worker's environment variables (added to this process's own)
     * @param output receives every line the worker writes to stdout or stderr
     */
    public static WorkerProcess start(String name, Map<String, String> env, List<String> jvmOptions,
                                      Consumer<String> output) throws IOException {
        return start(name, env, List.of(), jvmOptions, output);
    }

    /**
     * As {@link #start(String, Map, List, Consumer)}, the JVM started through {@code launcher}, a command that runs
     * the rest of its line in its own process (e.g. {@code taskset -c 0}, which pins the worker to CPU 0 and execs:
     * the pid is the worker's).
     */
    public static WorkerProcess start(String name, Map<String, String> env, List<String> launcher,
                                      List<String> jvmOptions, Consumer<String> output) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(WorkerClassPath.get());
        command.add(WorkerMain.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        return new WorkerProcess(name, builder.start(), output);
    }

    private void pump(Consumer<String> output) {
        // Reads the child's output to its end so that its pipe never fills and blocks it.
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (!started.isDone() && line.contains(STARTED_LINE)) {
                    started.complete(true);
                }
                output.accept(line);
            }
        } catch (IOException e) {
            // The child is gone; its exit code tells the rest.
        }
        started.complete(false);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    /** The CPU time the worker's process has used so far (all its threads), where the system tells it. */
    public java.util.Optional<Duration> cpuTime() {
        return process.toHandle().info().totalCpuDuration();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the worker logged that it polls (true), or exited before that (false). */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        try {
            return started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            return false;
        }
    }

    /**
     * SIGTERM: the worker stops receiving, finishes or returns what it holds, and exits. Through the process handle:
     * {@link Process#destroy()} would also close our end of the worker's output, so its drain's log lines (and
     * anything else it writes while it stops, such as the JVM's class cache) would meet a broken pipe.
     */
    public void stop() {
        process.toHandle().destroy();
    }

    /** SIGKILL: the worker ends at once, wherever it is; what it held comes back when visibility lapses. */
    public void kill() {
        process.destroyForcibly();
    }

    /** The exit code, or empty when the worker is still running after {@code timeout}. */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? OptionalInt.of(process.exitValue())
                : OptionalInt.empty();
    }

    /** Kills the worker if it still runs. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return "worker " + name + " (pid " + process.pid() + ")";
    }
}
