package dev.ebb.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * The dynamic batcher: a small bounded buffer that pollers fill, and the batches taken from it. A batch starts with
 * the first item to arrive and gathers more until it holds {@code maxBatchSize} units, or until
 * {@code maxBatchDelay} has passed since it started (then it still takes what is already buffered, without waiting,
 * while it fits). Each item weighs its {@code units} (a job's texts for the embedding tasks, else 1; at least 1).
 * An item that would overflow the batch waits, first in line, for the next one; an item bigger than the limit runs
 * alone. Time comes from {@code nanoTime}, so the delay can be tested without waiting for it.
 *
 * <p>One thread takes batches ({@link #next}); any number offer items; {@link #held} may be read from any thread.
 *
 * @param <T> what is batched (a received job in the worker)
 */
final class DynamicBatcher<T> {
    /** How long {@link #next} waits for a first item before it answers an empty batch. */
    static final Duration IDLE_WAIT = Duration.ofMillis(200);

    private final BlockingQueue<T> buffer;
    private final int maxUnits;
    private final long maxDelayNanos;
    private final ToIntFunction<T> units;
    private final LongSupplier nanoTime;
    private volatile long lastGatherNanos;
    /**
     * Items taken from the buffer that go first into the next batch: the one that would have overflowed the last
     * batch, or those of a batch whose gathering was interrupted.
     */
    private final Deque<T> front = new ConcurrentLinkedDeque<>();

    /**
     * A batcher for a worker's settings: batches of up to {@code maxBatchSize} units after up to
     * {@code maxBatchDelay}, and room in the buffer for the next batch of every runner (more would only hold
     * messages invisible for nothing).
     */
    DynamicBatcher(WorkerSettings settings, ToIntFunction<T> units, LongSupplier nanoTime) {
        this.buffer = new ArrayBlockingQueue<>(settings.maxBatchSize() * settings.runners());
        this.maxUnits = settings.maxBatchSize();
        this.maxDelayNanos = settings.maxBatchDelay().toNanos();
        this.units = units;
        this.nanoTime = nanoTime;
    }

    /** Adds an item, waiting up to {@code timeout} for room; false when there was none. */
    boolean offer(T item, Duration timeout) throws InterruptedException {
        return buffer.offer(item, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The next batch: waits up to {@link #IDLE_WAIT} for a first item (none: an empty batch), then gathers as the
     * class says. Interrupted while gathering, it keeps what it had gathered first in line and throws.
     */
    synchronized List<T> next() throws InterruptedException {
        T first = front.pollFirst();
        if (first == null) {
            first = buffer.poll(IDLE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (first == null) {
            return List.of();
        }
        List<T> batch = new ArrayList<>();
        batch.add(first);
        int total = unitsOf(first);
        long gatherStart = nanoTime.getAsLong();
        long deadline = gatherStart + maxDelayNanos;
        try {
            while (total < maxUnits) {
                T next = front.pollFirst();
                if (next == null) {
                    long left = deadline - nanoTime.getAsLong();
                    next = left > 0 ? buffer.poll(left, TimeUnit.NANOSECONDS) : buffer.poll();
                }
                if (next == null) {
                    break;
                }
                int size = unitsOf(next);
                if (total + size > maxUnits) {
                    front.addFirst(next);
                    break;
                }
                batch.add(next);
                total += size;
            }
        } catch (InterruptedException e) {
            for (int i = batch.size() - 1; i >= 0; i--) {
                front.addFirst(batch.get(i));
            }
            throw e;
        }
        lastGatherNanos = nanoTime.getAsLong() - gatherStart;
        return batch;
    }

    /** How long the last batch {@link #next} returned waited, from its first item to its last (the batch wait). */
    long lastGatherNanos() {
        return lastGatherNanos;
    }

    /** Items in the buffer, not counting those waiting first in line. */
    int buffered() {
        return buffer.size();
    }

    /** Every item held and not yet in a batch: those first in line, then the buffer's. */
    List<T> held() {
        List<T> held = new ArrayList<>(front);
        held.addAll(buffer);
        return held;
    }

    /** Takes every item held and not yet in a batch (first in line first), to give them back. */
    List<T> drain() {
        List<T> drained = new ArrayList<>();
        for (T item; (item = front.pollFirst()) != null; ) {
            drained.add(item);
        }
        buffer.drainTo(drained);
        return drained;
    }

    private int unitsOf(T item) {
        try {
            return Math.max(1, units.applyAsInt(item));
        } catch (RuntimeException e) {
            return 1;
        }
    }
}
