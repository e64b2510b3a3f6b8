package dev.ebb.local.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where a bench's CPU time goes: this JVM's threads summed by what they belong to (their names' prefixes), and its
 * child processes (Dynoxide, gpu workers) by command. CPU time per job is what a throughput figure is made of, and
 * unlike jobs/s it hardly moves when other work shares the machine: a change that saves CPU shows here even on a
 * busy machine, and the sum says what throughput two idle cores could give at most.
 *
 * <p>Thread CPU time comes from {@code /proc/self/task} on Linux (every thread, the JVM's own included), else from
 * {@link ThreadMXBean}. A thread that ended between two snapshots loses what it used since the first, so the pools
 * of a measured phase are long-lived; {@link #OTHER} takes what the named groups do not, so the parts add up.
 */
final class CpuAccount {
    static final String OTHER = "other (JVM)";

    /** Thread-name prefixes and the part of the local cloud they are; the first match wins. */
    private static final List<Map.Entry<String, String>> GROUPS = List.of(
            Map.entry("elasticmq", "ElasticMQ (SQS)"),
            Map.entry("http-nio", "S3Mock (S3)"),
            Map.entry("Catalina", "S3Mock (S3)"),
            Map.entry("http-", "gateway + handlers"),
            Map.entry("job-create", "group commit (submit)"),
            Map.entry("send-", "group commit (submit)"),
            Map.entry("cpu-lane", "cpu lane worker"),
            Map.entry("poller", "lane pollers"),
            Map.entry("upload-poller", "upload poller"),
            Map.entry("llm-lane", "llm lane worker"),
            Map.entry("bench-client", "bench clients"),
            Map.entry("bench-floor", "floor loop"),
            Map.entry("HttpClient", "bench clients"),
            Map.entry("sdk-", "AWS SDK"),
            Map.entry("C1 CompilerThre", "JIT"),
            Map.entry("C2 CompilerThre", "JIT"),
            Map.entry("GC Thread", "GC"),
            Map.entry("G1 ", "GC"));

    /** CPU nanoseconds by group at one moment, with the JVM's and each child command's totals. */
    record Snapshot(Map<String, Long> nanos, long jvmNanos, Map<String, Long> children) {
    }

    /** Linux's clock tick is 1/100 s on every architecture Ebb runs on (USER_HZ). */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    Snapshot take() {
        Map<String, Long> byGroup = linuxThreads();
        if (byGroup == null) {
            byGroup = javaThreads();
        }
        long jvm = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        Map<String, Long> children = new TreeMap<>();
        ProcessHandle.current().descendants().forEach(p -> {
            long cpu = p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
            String command = p.info().command().map(c -> c.substring(c.lastIndexOf('/') + 1)).orElse("?");
            children.merge(command, cpu, Long::sum);
        });
        return new Snapshot(byGroup, jvm, children);
    }

    /**
     * Every thread of this process from {@code /proc/self/task}, the JVM's own included (garbage collection and the
     * JIT, which {@link ThreadMXBean} does not list), by its name as the kernel has it (the Java name, cut to 15
     * characters); null where there is no such folder.
     */
    private static Map<String, Long> linuxThreads() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return null;
        }
        Map<String, Long> byGroup = new TreeMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks)) {
            for (Path dir : dirs) {
                try {
                    String stat = Files.readString(dir.resolve("stat"));
                    // pid (comm) state ppid ... field 14 utime, 15 stime, in clock ticks; comm may hold spaces
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(open + 1, close);
                    String[] fields = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    byGroup.merge(group(name), ticks * NANOS_PER_TICK, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended while it was read
                }
            }
        } catch (IOException e) {
            return null;
        }
        return byGroup;
    }

    private Map<String, Long> javaThreads() {
        Map<String, Long> byGroup = new TreeMap<>();
        long[] ids = threads.getAllThreadIds();
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(ids[i]);
            if (cpu > 0) {
                byGroup.merge(group(infos[i].getThreadName()), cpu, Long::sum);
            }
        }
        return byGroup;
    }

    static String group(String threadName) {
        for (Map.Entry<String, String> g : GROUPS) {
            if (threadName.startsWith(g.getKey())) {
                return g.getValue();
            }
        }
        return OTHER;
    }

    /**
     * CPU milliseconds per job between two snapshots: the total (this JVM and its children) first, then each part,
     * largest first. Parts of the JVM not attributed to a named thread group (the JVM's own threads, ended threads)
     * are in {@link #OTHER}, so the parts add up to the total.
     */
    static Map<String, Double> perJob(Snapshot before, Snapshot after, int jobs) {
        Map<String, Double> parts = new LinkedHashMap<>();
        long named = 0;
        for (Map.Entry<String, Long> e : after.nanos().entrySet()) {
            if (e.getKey().equals(OTHER)) {
                continue;
            }
            long d = e.getValue() - before.nanos().getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                parts.merge(e.getKey(), d / 1e6 / jobs, Double::sum);
                named += d;
            }
        }
        long jvm = after.jvmNanos() - before.jvmNanos();
        parts.put(OTHER, Math.max(0, jvm - named) / 1e6 / jobs);
        long children = 0;
        for (Map.Entry<String, Long> e : after.children().entrySet()) {
            long d = e.getValue() - before.children().getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                parts.put(e.getKey() + " (child process)", d / 1e6 / jobs);
                children += d;
            }
        }
        Map<String, Double> sorted = parts.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("total", (jvm + children) / 1e6 / jobs);
        out.putAll(sorted);
        return out;
    }

    /** One line: "total 7.9 ms: ElasticMQ (SQS) 2.1, bench clients 1.8, …" (parts under 0.05 ms left out). */
    static String format(Map<String, Double> perJob) {
        StringBuilder line = new StringBuilder(String.format("%.2f ms", perJob.get("total")));
        String parts = perJob.entrySet().stream().skip(1).filter(e -> e.getValue() >= 0.05)
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
        return line.append(" (").append(parts).append(')').toString();
    }
}
