package dev.ebb.local.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where {@code ebb bench embed} runs its work, so that the model and the pipeline can be compared: the model — the gpu
 * worker's JVM and the raw DJL loop's — on one CPU, everything else (the local cloud's servers, their child
 * processes, the gateway, the client threads, this JVM's JIT and GC) on another. Linux only, through {@code taskset}:
 * this process and all its threads are moved with {@code taskset -a -p}, and threads and child processes started
 * later inherit that; a model process is started under {@code taskset -c}. Where that cannot be done (no
 * {@code taskset}, fewer than two CPUs allowed, taskset refused) the bench runs unpinned and {@link #describe} says
 * why.
 *
 * @param modelCpu  the CPU of the model processes, or -1 when unpinned
 * @param cloudCpu  the CPU of this process and its children, or -1 when unpinned
 * @param why       when unpinned, the reason
 */
record CpuPinning(int modelCpu, int cloudCpu, String why) {

    boolean pinned() {
        return modelCpu >= 0;
    }

    /** The command prefix that starts a model process on its CPU (empty when unpinned). */
    List<String> modelLauncher() {
        return pinned() ? List.of("taskset", "-c", String.valueOf(modelCpu)) : List.of();
    }

    String describe() {
        return pinned()
                ? "pinned: model processes (gpu worker JVM, raw DJL JVM; ONNX Runtime intra-op threads 1) on CPU "
                        + modelCpu + "; this JVM (local cloud, Dynoxide, gateway, clients) on CPU " + cloudCpu
                        + " (taskset)"
                : "unpinned (" + why + "): the model and the pipeline share the machine's CPUs";
    }

    /** Pins this process to the second of its allowed CPUs and keeps the first for the model, where it can. */
    static CpuPinning pinThisProcess() throws InterruptedException {
        String taskset = onPath("taskset");
        if (taskset == null) {
            return unpinned("taskset is not installed (util-linux)");
        }
        List<Integer> allowed = allowedCpus();
        if (allowed.size() < 2) {
            return unpinned(allowed.isEmpty() ? "the CPUs this process may use are unknown (no /proc)"
                    : "only one CPU is allowed to this process");
        }
        int model = allowed.get(0);
        int cloud = allowed.get(1);
        String refused = run(List.of(taskset, "-a", "-p", "-c", String.valueOf(cloud),
                String.valueOf(ProcessHandle.current().pid())));
        return refused == null ? new CpuPinning(model, cloud, null) : unpinned("taskset failed: " + refused);
    }

    private static CpuPinning unpinned(String why) {
        return new CpuPinning(-1, -1, why);
    }

    /** {@code Cpus_allowed_list} of /proc/self/status, e.g. {@code 0-3,6}. */
    static List<Integer> allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parseList(line.substring("Cpus_allowed_list:".length()).strip());
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return List.of();
    }

    static List<Integer> parseList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] range = part.strip().split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            for (int cpu = from; cpu <= to; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }

    private static String onPath(String program) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir, program).toString();
            }
        }
        return null;
    }

    /** Runs a command; null when it succeeded, else what went wrong. */
    private static String run(List<String> command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "no answer in 10 s";
            }
            return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
        } catch (IOException e) {
            return e.getMessage();
        }
    }
}
