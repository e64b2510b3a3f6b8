package dev.ebb.worker;

import dev.ebb.core.metrics.JobMeter;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.queue.ReceivedJob;
import dev.ebb.core.run.JobRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * A worker: pollers long-poll the lane's queue, read each message's envelope once, and hand the received jobs to the
 * {@link DynamicBatcher}; the batcher thread takes dynamic batches from it (up to {@code maxBatchSize} units, or
 * {@code maxBatchDelay} after the first message) and claims their jobs; runners
 * run the claimed batches' tasks; a finisher completes the jobs and deletes the messages whose jobs ended. The three
 * steps of {@link JobRunner} overlap, so the model (the runners) never waits for DynamoDB or SQS: while one batch
 * runs, the next one is already claimed and the previous one is being completed.
 *
 * <p>Lifecycle: CREATED → {@link #start()} → RUNNING → {@link #shutdown()} → DRAINING → STOPPED. Draining stops
 * receiving, lets the runners finish the batches they hold, and gives buffered messages back to the queue at once.
 * {@link #stopNow} goes to STOPPED at once: it interrupts the threads, runners included, and gives back what is
 * buffered.
 *
 * <p>Heartbeat: every third of the visibility timeout, every message the worker holds (buffered or running) is
 * hidden for another visibility timeout, and every job it is running gets its lease moved ahead, so a batch
 * that runs long is neither redelivered nor taken by another worker.
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    public enum State { CREATED, RUNNING, DRAINING, STOPPED }

    private final JobQueue queue;
    private final JobRunner runner;
    private final WorkerSettings settings;
    /** The received jobs not yet in a batch, and the batches taken from them. */
    private final DynamicBatcher<ReceivedJob> batches;
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
    private final AtomicLong jobsDone = new AtomicLong();
    private final AtomicLong batchesDone = new AtomicLong();
    private final java.util.Set<List<ReceivedJob>> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private ExecutorService pollers;
    private ExecutorService batcher;
    private ExecutorService runners;
    private ExecutorService finisher;
    /** Claimed batches waiting for a runner: one ready per runner, so a runner never waits for a claim. */
    private final BlockingQueue<Held> claimed;
    private volatile boolean batcherDone;
    private java.util.concurrent.ScheduledExecutorService heartbeat;
    private final FaultInjection faults;
    /** Batch waits; the runner records the rest (batch size, model time, jobs ended). */
    private volatile JobMeter meter = JobMeter.NONE;

    public Worker(JobQueue queue, JobRunner runner, WorkerSettings settings) {
        this(queue, runner, settings, job -> 1, FaultInjection.NONE);
    }

    /**
     * @param units  how much of a batch a received job takes (its texts for the embedding tasks, else 1): a batch
     *               gathers up to {@code maxBatchSize} units; a job bigger than that runs alone
     * @param faults the fault suite's crash points ({@link FaultInjection#NONE} but in fault tests)
     */
    public Worker(JobQueue queue, JobRunner runner, WorkerSettings settings, ToIntFunction<ReceivedJob> units,
                  FaultInjection faults) {
        this.faults = faults;
        this.queue = queue;
        this.runner = runner;
        this.settings = settings;
        this.batches = new DynamicBatcher<>(settings, units, System::nanoTime);
        this.claimed = new ArrayBlockingQueue<>(settings.runners());
    }

    /** Where this worker records how long its batches waited to fill (set before {@link #start}). */
    public Worker metrics(MetricsSink metrics) {
        this.meter = new JobMeter(metrics);
        return this;
    }

    /** A batch's received jobs and its run, from its claim to its completion. */
    private record Held(List<ReceivedJob> jobs, JobRunner.Batch batch) {
    }

    public void start() {
        if (!state.compareAndSet(State.CREATED, State.RUNNING)) {
            throw new IllegalStateException("worker already " + state.get());
        }
        pollers = Executors.newFixedThreadPool(settings.pollers(), Thread.ofPlatform().name("poller-", 0).factory());
        batcher = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("batcher").factory());
        runners = Executors.newFixedThreadPool(settings.runners(), Thread.ofPlatform().name("runner-", 0).factory());
        finisher = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("finisher").factory());
        for (int i = 0; i < settings.pollers(); i++) {
            pollers.execute(this::poll);
        }
        batcher.execute(this::claimBatches);
        for (int i = 0; i < settings.runners(); i++) {
            runners.execute(this::runBatches);
        }
        long beatMillis = Math.max(200, settings.visibility().toMillis() / 3);
        heartbeat = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("heartbeat").daemon().factory());
        heartbeat.scheduleAtFixedRate(this::beat, beatMillis, beatMillis, TimeUnit.MILLISECONDS);
        log.info("worker started lane={} maxBatchSize={} maxBatchDelayMs={} pollers={} runners={}",
                settings.lane().id(), settings.maxBatchSize(), settings.maxBatchDelay().toMillis(),
                settings.pollers(), settings.runners());
    }

    /** Stops taking work and drains; returns at once. Use {@link #awaitTermination} to wait for the end. */
    public void shutdown() {
        if (state.compareAndSet(State.RUNNING, State.DRAINING)) {
            log.info("worker draining");
            // Long polls in flight finish (a blocking socket read ignores interrupts); what they bring is returned.
            pollers.shutdown();
            batcher.shutdown();
            runners.shutdown();
        } else {
            state.compareAndSet(State.CREATED, State.STOPPED);
        }
    }

    /** Waits for the runners to finish what they hold, then gives back whatever is still buffered. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        if (state.get() == State.STOPPED || runners == null) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean done = pollers.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)
                && batcher.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                && runners.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        // The runners hand their last batches to the finisher before they end; it completes them, then stops.
        finisher.shutdown();
        done = done && finisher.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        heartbeat.shutdownNow();
        List<QueueMessage> leftover = messages(batches.drain());
        if (!leftover.isEmpty()) {
            try {
                queue.returnNow(settings.lane(), leftover);
            } catch (SdkException e) {
                log.warn("could not return {} messages; they reappear after their visibility timeout", leftover.size());
            }
        }
        if (done) {
            state.set(State.STOPPED);
            log.info("worker stopped jobs={} batches={}", jobsDone.get(), batchesDone.get());
        }
        return done;
    }

    /**
     * Ends now, without waiting for the batches in hand: interrupts the pollers, the batcher, the runners (a task
     * that heeds interrupts stops its batch) and the finisher, stops the heartbeat, and gives back what is buffered
     * (visibility 0), trying for at most {@code within}. The jobs being run stay RUNNING under leases that lapse, and
     * their messages come back when their visibility does, so nothing is lost; they only run again.
     */
    public void stopNow(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        State was = state.getAndSet(State.STOPPED);
        if (was != State.CREATED && runners != null) {
            // The finisher first: a batch that a runner ends because of the interrupt must not be completed.
            finisher.shutdownNow();
            pollers.shutdownNow();
            batcher.shutdownNow();
            runners.shutdownNow();
            heartbeat.shutdownNow();
            // Claimed for a runner that will not take them: their leases are no longer extended, and lapse.
            List<Held> notRun = new ArrayList<>();
            claimed.drainTo(notRun);
            for (Held held : notRun) {
                runner.release(held.batch());
                running.remove(held.jobs());
            }
            try {
                // A batch being gathered goes back to the batcher's line when its thread ends; give it back too.
                batcher.awaitTermination(within.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<QueueMessage> leftover = messages(batches.drain());
        if (leftover.isEmpty()) {
            return;
        }
        Thread giveBack = Thread.ofPlatform().daemon().start(() -> {
            try {
                queue.returnNow(settings.lane(), leftover);
            } catch (RuntimeException e) {
                log.warn("could not return {} messages; they reappear after their visibility timeout", leftover.size());
            }
        });
        try {
            giveBack.join(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public State state() {
        return state.get();
    }

    public long jobsDone() {
        return jobsDone.get();
    }

    /** Messages this worker holds right now, buffered or running (what task protection watches). */
    public int held() {
        int held = batches.buffered();
        for (List<ReceivedJob> batch : running) {
            held += batch.size();
        }
        return held;
    }

    private void poll() {
        while (state.get() == State.RUNNING && !Thread.currentThread().isInterrupted()) {
            try {
                List<QueueMessage> received = queue.receive(settings.lane(), 10, settings.pollWait(),
                        settings.visibility());
                if (!received.isEmpty()) {
                    faults.at(FaultInjection.Point.AFTER_RECEIVE);
                }
                if (state.get() != State.RUNNING) {
                    queue.returnNow(settings.lane(), received); // arrived after the drain began
                    return;
                }
                for (int i = 0; i < received.size(); i++) {
                    // Each envelope is read here, once: the batch's units, the claim and the heartbeat share it.
                    ReceivedJob job = ReceivedJob.of(received.get(i));
                    while (!batches.offer(job, Duration.ofMillis(100))) {
                        if (state.get() != State.RUNNING) {
                            queue.returnNow(settings.lane(), received.subList(i, received.size()));
                            return;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (SdkException e) {
                if (state.get() != State.RUNNING) {
                    return;
                }
                log.warn("receive failed: {}", e.toString());
                sleepQuietly(Duration.ofSeconds(1));
            }
        }
    }

    /** The batcher: forms dynamic batches and claims their jobs, one batch ahead of each runner. */
    private void claimBatches() {
        try {
            // Once draining, no new batch is formed; what is buffered is given back.
            while (state.get() == State.RUNNING) {
                List<ReceivedJob> jobs;
                try {
                    jobs = batches.next();
                } catch (InterruptedException e) {
                    return;
                }
                if (jobs.isEmpty()) {
                    continue;
                }
                meter.sink().record(dev.ebb.core.metrics.Metric.BATCH_WAIT, batches.lastGatherNanos() / 1e6,
                        java.util.Map.of(dev.ebb.core.metrics.Metric.Dimension.LANE, settings.lane().id()));
                running.add(jobs);
                JobRunner.Batch batch;
                try {
                    batch = runner.prepare(jobs);
                } catch (RuntimeException e) {
                    running.remove(jobs);
                    // A bug must not stop the worker; the batch's messages come back after their visibility.
                    log.error("claiming a batch of {} failed; its messages will be delivered again", jobs.size(), e);
                    continue;
                }
                try {
                    // Claimed jobs are run even when a drain begins meanwhile: the runners drain this queue.
                    claimed.put(new Held(jobs, batch));
                } catch (InterruptedException e) {
                    runner.release(batch);
                    running.remove(jobs);
                    return;
                }
            }
        } finally {
            batcherDone = true;
        }
    }

    /** A runner: runs claimed batches until the batcher has stopped and none is left, or the worker is stopped. */
    private void runBatches() {
        while (state.get() != State.STOPPED) {
            Held held;
            try {
                held = claimed.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (held == null) {
                if (batcherDone && claimed.isEmpty()) {
                    return;
                }
                continue;
            }
            try {
                runner.execute(held.batch());
            } catch (RuntimeException e) {
                // A bug must not cost the worker a runner; the batch's messages come back after their visibility.
                log.error("batch of {} failed; its messages will be delivered again", held.jobs().size(), e);
                runner.abandon(held.batch(), e);
                running.remove(held.jobs());
                continue;
            }
            if (state.get() != State.STOPPED) {
                try {
                    finisher.execute(() -> finish(held));
                    continue;
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // stopped meanwhile
                }
            }
            // Stopped now while this batch ran (its outcomes may be the interrupt's): it is not completed; its leases
            // lapse and its messages come back.
            runner.release(held.batch());
            running.remove(held.jobs());
            return;
        }
    }

    private void beat() {
        try {
            List<ReceivedJob> held = batches.held();
            running.forEach(held::addAll);
            if (held.isEmpty()) {
                return;
            }
            queue.changeVisibility(settings.lane(), messages(held), settings.visibility());
            running.forEach(runner::extendLeasesOf);
        } catch (RuntimeException e) {
            // A missed beat is survivable (the next one comes a third of a timeout later); a dead timer is not.
            log.warn("heartbeat failed: {}", e.toString());
        }
    }

    /** The finisher: completes a batch's jobs and deletes the messages of those that ended. */
    private void finish(Held held) {
        List<ReceivedJob> batch = held.jobs();
        List<JobRunner.Disposition> dispositions;
        try {
            dispositions = runner.finish(held.batch());
        } catch (RuntimeException e) {
            log.error("completing a batch of {} failed; its messages will be delivered again", batch.size(), e);
            return;
        } finally {
            running.remove(batch);
        }
        List<QueueMessage> finished = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (dispositions.get(i) == JobRunner.Disposition.DELETE) {
                finished.add(batch.get(i).message());
            }
        }
        if (!finished.isEmpty()) {
            faults.at(FaultInjection.Point.AFTER_COMPLETE_BEFORE_DELETE);
        }
        try {
            queue.delete(settings.lane(), finished);
        } catch (SdkException e) {
            // The jobs have ended; their messages come back and are deleted then.
            log.warn("delete of {} messages failed: {}", finished.size(), e.toString());
        }
        jobsDone.addAndGet(finished.size());
        batchesDone.incrementAndGet();
    }

    private static List<QueueMessage> messages(List<ReceivedJob> jobs) {
        return jobs.stream().map(ReceivedJob::message).toList();
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
