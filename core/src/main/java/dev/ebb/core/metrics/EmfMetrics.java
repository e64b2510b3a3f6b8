package dev.ebb.core.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A sink that buffers values and writes them as EMF lines to {@code out} (a long-running process's stdout, which ECS
 * ships to CloudWatch Logs) on {@link #flush}, or every {@code period} once {@link #start}ed: recording never writes.
 */
public final class EmfMetrics implements MetricsSink, AutoCloseable {
    private final MetricsBuffer buffer = new MetricsBuffer();
    private final Consumer<String> out;
    private final Clock clock;
    private ScheduledExecutorService timer;

    public EmfMetrics(Consumer<String> out, Clock clock) {
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Lines to standard output, one {@code println} each (one write per line, so lines never interleave). */
    public static EmfMetrics toStdout() {
        return new EmfMetrics(line -> System.out.println(line), Clock.systemUTC());
    }

    @Override
    public void record(Metric metric, double value, Map<String, String> dimensions) {
        buffer.record(metric, value, dimensions);
    }

    @Override
    public void flush() {
        long now = clock.millis();
        for (MetricsBuffer.Series series : buffer.drain()) {
            EmfFormat.lines(series, now).forEach(out);
        }
    }

    /** Flushes every {@code period} on a daemon thread until {@link #close}. */
    public synchronized EmfMetrics start(Duration period) {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("metrics").daemon().factory());
            timer.scheduleAtFixedRate(() -> {
                try {
                    flush();
                } catch (RuntimeException e) {
                    // a metrics line lost is not worth a dead timer
                }
            }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Stops the timer and writes what is left. */
    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        flush();
    }
}
