package dev.ebb.core.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Group commit: many threads each make one call; a few writer threads take whatever calls are waiting (up to
 * {@code maxBatch}) and make them as one batch call. Nothing waits for a batch to fill: an idle system writes a
 * batch of one at once, a busy one writes bigger batches because calls pile up while the writers are busy.
 *
 * @param <T> what one call writes
 * @param <R> what one call returns
 */
public final class GroupCommit<T, R> implements AutoCloseable {

    /** Writes a batch; completes every call (success or failure). A throw fails the calls it left open. */
    @FunctionalInterface
    public interface Flush<T, R> {
        void flush(List<Call<T, R>> calls);
    }

    /** One caller's item and the answer it waits for. */
    public static final class Call<T, R> {
        private final T item;
        private final CompletableFuture<R> result = new CompletableFuture<>();

        Call(T item) {
            this.item = item;
        }

        public T item() {
            return item;
        }

        public void succeed(R value) {
            result.complete(value);
        }

        public void fail(RuntimeException error) {
            result.completeExceptionally(error);
        }
    }

    private final BlockingQueue<Call<T, R>> waiting = new LinkedBlockingQueue<>();
    private final int maxBatch;
    private final Flush<T, R> flush;
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;

    public GroupCommit(String name, int maxBatch, int writerThreads, Flush<T, R> flush) {
        if (maxBatch < 1 || writerThreads < 1) {
            throw new IllegalArgumentException("need maxBatch >= 1 and writerThreads >= 1");
        }
        this.maxBatch = maxBatch;
        this.flush = flush;
        for (int i = 0; i < writerThreads; i++) {
            writers.add(Thread.ofPlatform().name(name + "-" + i).daemon().start(this::write));
        }
    }

    /** Makes the call as part of the next batch; returns its result or throws its failure. */
    public R call(T item) {
        Call<T, R> call = new Call<>(item);
        waiting.add(call);
        if (closed) {
            failWaiting(); // no writer will take it
        }
        try {
            return call.result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private void write() {
        List<Call<T, R>> batch = new ArrayList<>(maxBatch);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(waiting.take());
            } catch (InterruptedException e) {
                return;
            }
            waiting.drainTo(batch, maxBatch - 1);
            try {
                flush.flush(batch);
            } catch (RuntimeException e) {
                batch.forEach(call -> call.fail(e));
            } catch (Error e) {
                batch.forEach(call -> call.fail(new IllegalStateException("batch write failed", e)));
                throw e;
            }
            batch.forEach(call -> call.result.completeExceptionally(
                    new IllegalStateException("batch writer left a call without an answer")));
            batch.clear();
        }
    }

    /** Stops the writers; calls still waiting, and any made from now on, fail. */
    @Override
    public void close() {
        closed = true;
        writers.forEach(Thread::interrupt);
        failWaiting();
    }

    private void failWaiting() {
        List<Call<T, R>> left = new ArrayList<>();
        waiting.drainTo(left);
        left.forEach(call -> call.fail(new IllegalStateException("closed")));
    }
}
