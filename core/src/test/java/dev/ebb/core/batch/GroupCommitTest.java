package dev.ebb.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GroupCommit} without any server: the flushes are plain functions that record what they saw. Where a test
 * needs several calls in one batch it holds the only writer in a first flush (the {@link Gate}) until the other
 * callers are parked waiting, so the next batch takes them all. Timeouts only detect hangs; nothing here measures
 * speed.
 */
class GroupCommitTest {
    /** Generous: the machine may be loaded by other jobs. It bounds a hang, it is not a speed requirement. */
    private static final Duration HANG = Duration.ofSeconds(30);

    private final List<GroupCommit<Integer, Integer>> opened = new ArrayList<>();
    private final List<List<Integer>> batches = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(GroupCommit::close);
    }

    @Test
    void call_from16ThreadsOf200Calls_everyCallerGetsItsOwnAnswerInBatchesOfAtMost25() {
        GroupCommit<Integer, Integer> commit = open(25, 2, calls -> {
            record(calls);
            pause(); // lets calls pile up while this writer is busy, as a real write would
            calls.forEach(call -> call.succeed(call.item() * 2));
        });
        List<CompletableFuture<List<String>>> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            int thread = t;
            threads.add(CompletableFuture.supplyAsync(() -> {
                List<String> wrong = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    int item = thread * 1000 + i;
                    int answer = commit.call(item);
                    if (answer != item * 2) {
                        wrong.add(item + " -> " + answer);
                    }
                }
                return wrong;
            }, runnable -> Thread.ofPlatform().start(runnable)));
        }

        List<String> wrong = assertTimeoutPreemptively(HANG,
                () -> threads.stream().flatMap(f -> f.join().stream()).toList());

        assertThat(wrong).isEmpty();
        List<Integer> sizes = batches.stream().map(List::size).toList();
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(16 * 200);
        assertThat(sizes).allSatisfy(size -> assertThat(size).isBetween(1, 25));
        assertThat(sizes).as("some flush saw more than one call").anySatisfy(size -> assertThat(size).isGreaterThan(1));
        assertThat(batches.stream().flatMap(List::stream).distinct().count()).as("every call flushed once")
                .isEqualTo(16 * 200);
    }

    @Test
    void call_whenFlushThrows_failsExactlyTheCallsOfThatBatchAndLaterCallsStillWork() {
        IllegalStateException boom = new IllegalStateException("write failed");
        Gate gate = new Gate();
        GroupCommit<Integer, Integer> commit = open(25, 1, calls -> {
            record(calls);
            gate.holdIfFirst();
            if (calls.stream().anyMatch(call -> call.item() < 0)) {
                throw boom;
            }
            calls.forEach(call -> call.succeed(call.item() * 2));
        });
        Caller first = Caller.start(commit, 1);
        gate.awaitHeld();
        Caller bad = Caller.start(commit, -1);
        Caller sameBatch = Caller.start(commit, 5);
        Caller.awaitParked(bad, sameBatch);
        gate.open();

        assertThat(first.answer()).isEqualTo(2);
        assertThat(bad.failure()).isSameAs(boom);
        assertThat(sameBatch.failure()).as("its batch failed, so it failed").isSameAs(boom);
        // The two parked callers race to the queue, so their order within the second batch is either.
        assertThat(batches).hasSize(2);
        assertThat(batches.get(0)).containsExactly(1);
        assertThat(batches.get(1)).containsExactlyInAnyOrder(-1, 5);

        assertThat(Caller.start(commit, 7).answer()).as("a later call").isEqualTo(14);
    }

    @Test
    void call_whenFlushFailsOneCall_onlyThatCallerSeesTheFailure() {
        Gate gate = new Gate();
        GroupCommit<Integer, Integer> commit = open(25, 1, calls -> {
            record(calls);
            gate.holdIfFirst();
            for (GroupCommit.Call<Integer, Integer> call : calls) {
                if (call.item() % 2 != 0) {
                    call.fail(new IllegalArgumentException("odd " + call.item()));
                } else {
                    call.succeed(call.item() * 2);
                }
            }
        });
        Caller first = Caller.start(commit, 0);
        gate.awaitHeld();
        List<Caller> callers = List.of(Caller.start(commit, 1), Caller.start(commit, 2), Caller.start(commit, 3),
                Caller.start(commit, 4));
        Caller.awaitParked(callers.toArray(Caller[]::new));
        gate.open();

        assertThat(first.answer()).isZero();
        assertThat(callers.get(0).failure()).isInstanceOf(IllegalArgumentException.class).hasMessage("odd 1");
        assertThat(callers.get(1).answer()).isEqualTo(4);
        assertThat(callers.get(2).failure()).isInstanceOf(IllegalArgumentException.class).hasMessage("odd 3");
        assertThat(callers.get(3).answer()).isEqualTo(8);
        assertThat(batches).as("the four shared one flush").hasSize(2);
        assertThat(batches.get(1)).containsExactlyInAnyOrder(1, 2, 3, 4);
    }

    @Test
    void call_whenFlushLeavesACallOpen_failsItRatherThanHanging() {
        GroupCommit<Integer, Integer> commit = open(25, 1, calls -> {
        });

        assertThat(Caller.start(commit, 1).failure()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void close_whileAFlushIsBlocked_failsTheWaitingCallsRatherThanHanging() {
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean flushing = new AtomicBoolean();
        GroupCommit<Integer, Integer> commit = open(25, 1, calls -> {
            flushing.set(true);
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
        Caller inFlight = Caller.start(commit, 1);
        assertTimeoutPreemptively(HANG, () -> {
            while (!flushing.get()) {
                Thread.onSpinWait();
            }
        });
        Caller waiting1 = Caller.start(commit, 2);
        Caller waiting2 = Caller.start(commit, 3);
        Caller.awaitParked(waiting1, waiting2);

        commit.close();

        assertThat(waiting1.failure()).isInstanceOf(IllegalStateException.class);
        assertThat(waiting2.failure()).isInstanceOf(IllegalStateException.class);
        assertThat(inFlight.failure()).as("the interrupted flush").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void call_afterClose_failsRatherThanHanging() {
        GroupCommit<Integer, Integer> commit = new GroupCommit<>("closing", 25, 1,
                calls -> calls.forEach(c -> c.succeed(c.item())));
        opened.add(commit);
        assertThat(Caller.start(commit, 1).answer()).isEqualTo(1);

        commit.close();
        awaitNoThreadNamed("closing-0");

        assertThat(Caller.start(commit, 2).failure()).isInstanceOf(IllegalStateException.class);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private GroupCommit<Integer, Integer> open(int maxBatch, int writers, GroupCommit.Flush<Integer, Integer> flush) {
        GroupCommit<Integer, Integer> commit = new GroupCommit<>("test", maxBatch, writers, flush);
        opened.add(commit);
        return commit;
    }

    private void record(List<GroupCommit.Call<Integer, Integer>> calls) {
        batches.add(calls.stream().map(GroupCommit.Call::item).toList());
    }

    private static void awaitNoThreadNamed(String name) {
        assertTimeoutPreemptively(HANG, () -> {
            while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name))) {
                Thread.sleep(1);
            }
        });
    }

    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Holds the first flush until opened, so that the calls made meanwhile all go into the next batch. */
    private static final class Gate {
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch opened = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);

        void holdIfFirst() {
            if (first.getAndSet(false)) {
                held.countDown();
                try {
                    opened.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        void awaitHeld() {
            assertTimeoutPreemptively(HANG, () -> held.await());
        }

        void open() {
            opened.countDown();
        }
    }

    /** One call made on its own thread; the test reads its answer or its failure. */
    private record Caller(Thread thread, CompletableFuture<Integer> result) {

        static Caller start(GroupCommit<Integer, Integer> commit, int item) {
            CompletableFuture<Integer> result = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    result.complete(commit.call(item));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
            return new Caller(thread, result);
        }

        /** Until every caller is parked in {@link GroupCommit#call}, i.e. its call is queued. */
        static void awaitParked(Caller... callers) {
            assertTimeoutPreemptively(HANG, () -> {
                for (Caller caller : callers) {
                    while (!caller.isParkedInCall()) {
                        Thread.sleep(1);
                    }
                }
            });
        }

        /** Parked on its answer (not on the queue's lock, which would be before its call is queued). */
        private boolean isParkedInCall() {
            return thread.getState() == Thread.State.WAITING && Arrays.stream(thread.getStackTrace())
                    .anyMatch(frame -> frame.getClassName().equals(CompletableFuture.class.getName()));
        }

        int answer() {
            return assertTimeoutPreemptively(HANG, () -> result.get(HANG.toSeconds(), TimeUnit.SECONDS));
        }

        /** What the call threw: the exception itself, as the caller saw it. */
        Throwable failure() {
            return assertTimeoutPreemptively(HANG, () -> {
                try {
                    Integer value = result.get(HANG.toSeconds(), TimeUnit.SECONDS);
                    throw new AssertionError("expected the call to fail, it returned " + value);
                } catch (ExecutionException e) {
                    return e.getCause();
                }
            });
        }
    }
}
