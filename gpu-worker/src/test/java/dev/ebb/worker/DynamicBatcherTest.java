package dev.ebb.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dynamic batcher on its own: items that weigh their units, and a clock the test moves. The delay is an hour,
 * so a batcher that waited on the real clock, or waited when it should not, would hang the test rather than pass.
 */
class DynamicBatcherTest {
    private static final Duration DELAY = Duration.ofHours(1);
    private static final Duration GUARD = Duration.ofSeconds(30);

    private final ExecutorService thread = Executors.newSingleThreadExecutor();

    /** An item of a batch: a name and how many units it takes. */
    private record Item(String name, int units) {
    }

    @AfterEach
    void stopThread() {
        thread.shutdownNow();
    }

    /** A clock on which the delay has always just run out: every reading is a delay later than the last. */
    private static LongSupplier delayAlwaysPassed() {
        AtomicLong now = new AtomicLong();
        return () -> now.getAndAdd(DELAY.toNanos() + 1);
    }

    /** A clock that does not move: the delay never runs out. */
    private static LongSupplier frozen() {
        return () -> 42L;
    }

    private static DynamicBatcher<Item> batcher(int maxUnits, LongSupplier clock) {
        WorkerSettings settings = new WorkerSettings(Lane.GPU, maxUnits, DELAY, 1, 4, Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofSeconds(60));
        return new DynamicBatcher<>(settings, Item::units, clock);
    }

    private static void offer(DynamicBatcher<Item> batcher, Item... items) throws InterruptedException {
        for (Item item : items) {
            assertThat(batcher.offer(item, Duration.ZERO)).as("room for %s", item).isTrue();
        }
    }

    private static List<String> names(List<Item> batch) {
        return batch.stream().map(Item::name).toList();
    }

    @Test
    void next_countsUnitsNotItems() throws Exception {
        DynamicBatcher<Item> batcher = batcher(4, frozen());
        offer(batcher, new Item("two", 2), new Item("one", 1), new Item("another", 1), new Item("three", 3));

        // Full at four units: the batcher stops there without waiting out the delay, which never passes.
        assertThat(names(batcher.next())).containsExactly("two", "one", "another");
        offer(batcher, new Item("last", 1));
        assertThat(names(batcher.next())).containsExactly("three", "last");
    }

    @Test
    void next_whenAnItemWouldOverflowTheBatch_itWaitsFirstInLineForTheNext() throws Exception {
        DynamicBatcher<Item> batcher = batcher(4, delayAlwaysPassed());
        offer(batcher, new Item("three", 3), new Item("two", 2), new Item("one", 1));

        // "one" would fit, but nothing jumps the line: the batch ends where "two" does not fit.
        assertThat(names(batcher.next())).containsExactly("three");
        assertThat(names(batcher.held())).as("first in line, then the buffer").containsExactly("two", "one");
        assertThat(batcher.buffered()).isEqualTo(1);
        assertThat(names(batcher.next())).containsExactly("two", "one");
    }

    @Test
    void next_whenAJobIsBiggerThanTheBatch_runsItAlone() throws Exception {
        DynamicBatcher<Item> batcher = batcher(4, delayAlwaysPassed());
        offer(batcher, new Item("small", 1), new Item("huge", 10), new Item("tiny", 1), new Item("big", 9));

        assertThat(names(batcher.next())).containsExactly("small");
        assertThat(names(batcher.next())).containsExactly("huge");
        assertThat(names(batcher.next())).containsExactly("tiny");
        assertThat(names(batcher.next())).containsExactly("big");
    }

    @Test
    void next_whenTheDelayHasPassed_takesWhatIsBufferedAndWaitsForNoMore() throws Exception {
        DynamicBatcher<Item> batcher = batcher(8, delayAlwaysPassed());
        offer(batcher, new Item("a", 1), new Item("b", 1));

        // Two units of eight, and an hour's delay that the clock says is over: no waiting for the other six.
        assertThat(names(batcher.next())).containsExactly("a", "b");
        assertThat(batcher.held()).isEmpty();
    }

    @Test
    void next_whileTheDelayLasts_waitsForMoreUntilTheBatchIsFull() throws Exception {
        DynamicBatcher<Item> batcher = batcher(3, frozen());
        offer(batcher, new Item("first", 1));
        CompletableFuture<List<Item>> batch = CompletableFuture.supplyAsync(() -> next(batcher), thread);
        awaitBufferEmpty(batcher); // the batch has begun with "first" and waits for more

        offer(batcher, new Item("second", 1), new Item("third", 1));

        assertThat(names(batch.get(GUARD.toSeconds(), TimeUnit.SECONDS))).containsExactly("first", "second", "third");
    }

    @Test
    void next_whenInterruptedWhileGathering_keepsWhatItGatheredFirstInLine() throws Exception {
        DynamicBatcher<Item> batcher = batcher(3, frozen());
        offer(batcher, new Item("first", 1));
        CompletableFuture<List<Item>> batch = new CompletableFuture<>();
        var gathering = thread.submit(() -> {
            try {
                batch.complete(batcher.next());
            } catch (InterruptedException e) {
                batch.completeExceptionally(e);
            }
        });
        awaitBufferEmpty(batcher);

        gathering.cancel(true); // interrupts the batcher's thread

        assertThatThrownBy(() -> batch.get(GUARD.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InterruptedException.class);
        assertThat(names(batcher.drain())).containsExactly("first");
        assertThat(batcher.held()).isEmpty();
    }

    @Test
    void next_whenNothingArrives_answersAnEmptyBatch() throws Exception {
        DynamicBatcher<Item> batcher = batcher(4, frozen());

        assertThat(batcher.next()).isEmpty();
    }

    @Test
    void next_whenUnitsAreZeroOrCannotBeCounted_countsOne() throws Exception {
        WorkerSettings settings = new WorkerSettings(Lane.GPU, 2, DELAY, 1, 4, Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofSeconds(60));
        DynamicBatcher<Item> batcher = new DynamicBatcher<>(settings, item -> {
            if (item.units() < 0) {
                throw new IllegalArgumentException("unreadable");
            }
            return item.units();
        }, frozen());
        offer(batcher, new Item("zero", 0), new Item("unreadable", -1), new Item("next", 0));

        assertThat(names(batcher.next())).containsExactly("zero", "unreadable");
        offer(batcher, new Item("after", 0));
        assertThat(names(batcher.next())).containsExactly("next", "after");
    }

    @Test
    void drain_takesTheItemFirstInLineAndTheBuffer() throws Exception {
        DynamicBatcher<Item> batcher = batcher(2, delayAlwaysPassed());
        offer(batcher, new Item("a", 1), new Item("b", 2), new Item("c", 1));
        assertThat(names(batcher.next())).containsExactly("a"); // "b" did not fit: it waits first in line

        assertThat(names(batcher.drain())).containsExactly("b", "c");
        assertThat(batcher.held()).isEmpty();
        assertThat(batcher.next()).isEmpty();
    }

    @Test
    void offer_whenTheBufferIsFull_refuses() throws Exception {
        DynamicBatcher<Item> batcher = batcher(2, frozen()); // room for 2 units × 4 runners = 8 items
        for (int i = 0; i < 8; i++) {
            offer(batcher, new Item("item " + i, 1));
        }

        assertThat(batcher.offer(new Item("one too many", 1), Duration.ZERO)).isFalse();
    }

    private static List<Item> next(DynamicBatcher<Item> batcher) {
        try {
            return batcher.next();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitBufferEmpty(DynamicBatcher<Item> batcher) throws InterruptedException {
        long deadline = System.nanoTime() + GUARD.toNanos();
        while (batcher.buffered() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the batcher never took its first item");
            }
            Thread.sleep(5);
        }
    }
}
