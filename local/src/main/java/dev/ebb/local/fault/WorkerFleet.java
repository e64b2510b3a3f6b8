package dev.ebb.local.fault;

import dev.ebb.local.runtime.WorkerProcess;
import dev.ebb.worker.FaultInjection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Worker processes that are killed and come back: a supervisor restarts any that exited (as ECS replaces a
 * stopped task) and counts how each one ended, by exit code.
 */
final class WorkerFleet implements AutoCloseable {
    private static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xmx256m", "-Xss512k");

    private final IntFunction<Map<String, String>> envOf;
    private final WorkerProcess[] slots;
    private final Map<String, AtomicInteger> exits = new ConcurrentHashMap<>();
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong kills = new AtomicLong();
    private final Thread supervisor;
    private volatile boolean running = true;
    private volatile IntFunction<Map<String, String>> envOverride;
    private final Map<WorkerProcess, Long> upSince = new ConcurrentHashMap<>();
    private Duration minUptime = Duration.ZERO;

    /** Workers are killed only after they have been up this long. */
    synchronized void minUptime(Duration minUptime) {
        this.minUptime = minUptime;
    }

    WorkerFleet(int size, IntFunction<Map<String, String>> envOf) throws IOException {
        this.envOf = envOf;
        this.slots = new WorkerProcess[size];
        for (int i = 0; i < size; i++) {
            slots[i] = start(i);
        }
        supervisor = Thread.ofPlatform().daemon().name("fleet-supervisor").start(this::supervise);
    }

    private WorkerProcess start(int slot) throws IOException {
        IntFunction<Map<String, String>> env = envOverride != null ? envOverride : envOf;
        started.incrementAndGet();
        return WorkerProcess.start("w" + slot + "-" + started.get(), env.apply(slot), JVM_OPTIONS, line -> { });
    }

    private void supervise() {
        while (running) {
            for (int i = 0; i < slots.length && running; i++) {
                synchronized (this) {
                    WorkerProcess worker = slots[i];
                    if (worker.isAlive()) {
                        continue;
                    }
                    try {
                        OptionalInt code = worker.awaitExit(Duration.ZERO);
                        exits.computeIfAbsent(describe(code.orElse(-1)), k -> new AtomicInteger()).incrementAndGet();
                        slots[i] = start(i);
                    } catch (IOException | InterruptedException e) {
                        if (e instanceof InterruptedException) {
                            return;
                        }
                    }
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** SIGKILLs one live worker, chosen at random; the supervisor starts another. */
    synchronized void killOne() {
        // Only workers that are up and have polled for a moment: killing one still starting tests nothing but the
        // JVM's start-up, and on a busy machine a fleet killed as soon as it is up never runs a job.
        List<WorkerProcess> alive = new ArrayList<>();
        long now = System.nanoTime();
        for (int i = 0; i < slots.length; i++) {
            WorkerProcess worker = slots[i];
            try {
                if (worker.isAlive() && worker.awaitStarted(Duration.ZERO)) {
                    upSince.putIfAbsent(worker, now);
                    if (now - upSince.get(worker) >= minUptime.toNanos()) {
                        alive.add(worker);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!alive.isEmpty()) {
            alive.get(ThreadLocalRandom.current().nextInt(alive.size())).kill();
            kills.incrementAndGet();
        }
    }

    /** From now on, new workers get this environment (say, after a fix, without the poison). */
    synchronized void replaceAll(IntFunction<Map<String, String>> env) throws InterruptedException {
        envOverride = env;
        for (WorkerProcess worker : slots) {
            worker.stop(); // SIGTERM: drain and exit 0; the supervisor starts the replacement
        }
    }

    long kills() {
        return kills.get();
    }

    long started() {
        return started.get();
    }

    /** How workers ended, by cause: "SIGKILL 12", "after_receive 3", ... */
    Map<String, Integer> exits() {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        exits.forEach((k, v) -> counts.put(k, v.get()));
        return counts;
    }

    static String describe(int code) {
        for (FaultInjection.Point point : FaultInjection.Point.values()) {
            if (point.exitCode == code) {
                return "crash " + point.id();
            }
        }
        return switch (code) {
            case 137 -> "SIGKILL";
            case 0 -> "drained (exit 0)";
            case FaultInjection.POISON_EXIT -> "crash on poison";
            default -> "exit " + code;
        };
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        supervisor.join(5_000);
        synchronized (this) {
            for (WorkerProcess worker : slots) {
                worker.close();
            }
        }
    }
}
