package dev.ebb.core.scale;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What the scaler observed of one lane at {@code observedAt}.
 *
 * @param visible     messages waiting to be received (SQS ApproximateNumberOfMessages)
 * @param inFlight    messages received and not yet deleted: held or being run by workers
 *                    (ApproximateNumberOfMessagesNotVisible)
 * @param oldestAge   how long the oldest waiting message has waited, or null where the source cannot tell
 * @param running     workers that exist: started or starting, not yet stopped
 * @param starting    of those, how many are still starting and serve nothing yet (ECS pendingCount)
 * @param busy        workers that hold jobs (on ECS: tasks with scale-in protection set); never stopped
 * @param throughput  measured jobs per second of one busy worker, or null where none was measured
 * @param throughputAt when {@code throughput} was measured (null with it)
 * @param observedAt  when the queue and the workers were read
 * @param arrivals    jobs that arrived in the lane during {@code arrivalWindow} before {@code observedAt} (SQS's
 *                    NumberOfMessagesSent, or the submits a local scaler counted), or null where not known
 * @param arrivalWindow the span {@code arrivals} were counted over (null with it)
 */
public record ScalingMetrics(long visible, long inFlight, Duration oldestAge, int running, int starting, int busy,
                             Double throughput, Instant throughputAt, Instant observedAt, Long arrivals,
                             Duration arrivalWindow) {
    public ScalingMetrics {
        if (visible < 0 || inFlight < 0 || running < 0 || starting < 0 || busy < 0 || starting > running) {
            throw new IllegalArgumentException("negative count in " + visible + "/" + inFlight + "/" + running
                    + "/" + starting + "/" + busy);
        }
        if (observedAt == null) {
            throw new IllegalArgumentException("observedAt is required");
        }
        if ((throughput == null) != (throughputAt == null)) {
            throw new IllegalArgumentException("throughput and throughputAt come together");
        }
        if ((arrivals == null) != (arrivalWindow == null)) {
            throw new IllegalArgumentException("arrivals and arrivalWindow come together");
        }
        if (arrivals != null && (arrivals < 0 || arrivalWindow.isNegative() || arrivalWindow.isZero())) {
            throw new IllegalArgumentException("arrivals " + arrivals + " over " + arrivalWindow);
        }
    }

    public ScalingMetrics(long visible, long inFlight, Duration oldestAge, int running, int starting, int busy,
                          Double throughput, Instant throughputAt, Instant observedAt) {
        this(visible, inFlight, oldestAge, running, starting, busy, throughput, throughputAt, observedAt, null,
                null);
    }

    /** Queue and workers only: no age of the oldest message, no throughput measurement. */
    public static ScalingMetrics of(long visible, long inFlight, int running, int busy, Instant observedAt) {
        return new ScalingMetrics(visible, inFlight, null, running, 0, busy, null, null, observedAt);
    }

    public ScalingMetrics withStarting(int workers) {
        return new ScalingMetrics(visible, inFlight, oldestAge, running, workers, busy, throughput, throughputAt,
                observedAt, arrivals, arrivalWindow);
    }

    public ScalingMetrics withOldestAge(Duration age) {
        return new ScalingMetrics(visible, inFlight, age, running, starting, busy, throughput, throughputAt,
                observedAt, arrivals, arrivalWindow);
    }

    public ScalingMetrics withThroughput(double jobsPerSecond, Instant at) {
        return new ScalingMetrics(visible, inFlight, oldestAge, running, starting, busy, jobsPerSecond, at,
                observedAt, arrivals, arrivalWindow);
    }

    /** With {@code jobs} that arrived over the {@code window} before this look. */
    public ScalingMetrics withArrivals(long jobs, Duration window) {
        return new ScalingMetrics(visible, inFlight, oldestAge, running, starting, busy, throughput, throughputAt,
                observedAt, jobs, window);
    }

    /** Jobs per second that arrived over the arrival window, where known. */
    public Optional<Double> arrivalRate() {
        return arrivals == null ? Optional.empty() : Optional.of(arrivals / (arrivalWindow.toNanos() / 1e9));
    }

    /** Every message of the lane that is not finished: waiting plus held. */
    public long backlog() {
        return visible + inFlight;
    }

    public Optional<Duration> oldest() {
        return Optional.ofNullable(oldestAge);
    }
}
