package dev.ebb.core.retry;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * Bounded retries with exponential backoff and full jitter, for the partial failures the SDK does not retry itself:
 * the failed entries of an SQS batch call. The n-th retry waits a random time in {@code [0, min(cap, base·2^(n-1)))}
 * (AWS's "full jitter"), and there are at most {@code maxAttempts} attempts in all.
 */
public final class Backoff {
    /** Waits; injected so that tests run without sleeping. */
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final int maxAttempts;
    private final Duration base;
    private final Duration cap;
    private final DoubleSupplier random;
    private final Sleeper sleeper;

    public Backoff(int maxAttempts, Duration base, Duration cap, DoubleSupplier random, Sleeper sleeper) {
        if (maxAttempts < 1 || base.isNegative() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("need maxAttempts >= 1 and 0 <= base <= cap");
        }
        this.maxAttempts = maxAttempts;
        this.base = base;
        this.cap = cap;
        this.random = random;
        this.sleeper = sleeper;
    }

    /** 4 attempts, 50 ms base, 1 s cap: well under a second of waiting in all, typically. */
    public static Backoff standard() {
        return new Backoff(4, Duration.ofMillis(50), Duration.ofSeconds(1),
                () -> ThreadLocalRandom.current().nextDouble(), Thread::sleep);
    }

    /** How long to wait before retry number {@code retry} (1 for the first retry). */
    public Duration delay(int retry) {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(30, retry - 1));
        return Duration.ofMillis((long) (random.getAsDouble() * ceiling));
    }

    /**
     * Calls {@code attempt} with {@code items}, then again with whatever it returned as not done, until nothing is
     * left or the attempts are spent. Returns what is still not done (empty on success). An interrupt stops the
     * retries and is kept.
     */
    public <T> List<T> retryLeftovers(List<T> items, Function<List<T>, List<T>> attempt) {
        List<T> left = attempt.apply(items);
        for (int retry = 1; retry < maxAttempts && !left.isEmpty(); retry++) {
            try {
                sleeper.sleep(delay(retry));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
            left = attempt.apply(left);
        }
        return left;
    }
}
