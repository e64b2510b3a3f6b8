package dev.ebb.core.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.cost.CostModel;
import dev.ebb.core.cost.JobUsage;
import dev.ebb.core.job.DeadLetterStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.job.JobStore.ClaimResult;
import dev.ebb.core.job.JobStore.CompleteResult;
import dev.ebb.core.job.LastError;
import dev.ebb.core.metrics.JobMeter;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.queue.ReceivedJob;
import dev.ebb.core.store.ObjectStore;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TaskSpec;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs a batch of received messages: claim each job, run the claimed ones grouped by task, complete them, and
 * say for each message whether it may be deleted. Shared by the cpu-lane function and the gpu workers.
 *
 * <p>A message may be deleted only when its job has ended (here or elsewhere) or no longer exists. Everything else
 * (a job another live worker holds, a store that failed, a lease lost mid-run) is left for redelivery, and the
 * lease decides who runs it then.
 *
 * <p>Every call of {@link #run} claims under its own lease owner ({@code owner#n}), so a lease is held by one claim,
 * not by a process: when a batch runs past its lease and another runner thread (of this process or another)
 * claims the job again, the first claim can neither complete the job nor extend the second one's lease.
 *
 * <p>A message received before ({@code receiveCount > 1}) may belong to a job whose earlier run crashed its worker:
 * its job item decides ({@link CrashPolicy}). A job whose last run vanished runs alone, under a claim of its own, and
 * is completed at once; a job whose runs alone vanished too often is poison and ends FAILED {@code dead_lettered}
 * without running again.
 */
public final class JobRunner {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final JobStore store;
    private final TaskRegistry tasks;
    private final String owner;
    private final Duration lease;
    private final Duration resultTtl;
    private final Clock clock;
    /** Where inputs too large for a message are; null where none is configured (such jobs then fail clearly). */
    private final ObjectStore objects;
    /** Puts results too large for the job item in the object store before the completion. */
    private final ResultSpill spill;
    private final CrashPolicy crashes;
    /** Where a poison job is ended and marked for redrive; null: such jobs keep running alone (SQS's DLQ ends them). */
    private final DeadLetterStore deadLetters;
    private final Duration deadLetterTtl;
    /** Where a job whose task said "not now" goes back to the queue with a delay; null: its visibility timeout. */
    private final Requeue requeue;
    private final AtomicLong claims = new AtomicLong();
    /**
     * A job runs alone while nothing else runs in this process (write lock); batches run beside each other (read
     * lock). So a run alone that vanishes was the only one running: its own crash, or a fault of the whole process.
     */
    private final java.util.concurrent.locks.ReadWriteLock running =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** jobId → the claim's lease owner, for the jobs being run now: what the heartbeat extends. */
    private final Map<String, String> held = new ConcurrentHashMap<>();
    /** jobId → its share of its batch's run time, from execute to the completion's listeners. */
    private final Map<String, Long> computeMs = new ConcurrentHashMap<>();
    private final ClaimCheck claimCheck;
    private final List<CompletionListener> listeners;
    /** jobId → what its run came to so far (claim time, batch, model time): its metrics and cost at completion. */
    private final Map<String, RunInfo> runInfo = new ConcurrentHashMap<>();
    private final JobMeter meter;
    private final CostModel costs;
    /** Where claimed jobs may be answered by meaning before their task runs; null: never. */
    private final dev.ebb.core.cache.SemanticAnswers semantic;

    private JobRunner(Builder builder) {
        this.store = Objects.requireNonNull(builder.store, "store");
        this.tasks = Objects.requireNonNull(builder.tasks, "tasks");
        this.owner = Objects.requireNonNull(builder.owner, "owner");
        this.lease = Objects.requireNonNull(builder.lease, "lease");
        this.resultTtl = Objects.requireNonNull(builder.resultTtl, "resultTtl");
        this.clock = builder.clock;
        this.objects = builder.objects;
        this.spill = new ResultSpill(builder.objects, builder.largeResultBytes);
        this.crashes = new CrashPolicy(builder.maxRuns);
        this.deadLetters = builder.deadLetters;
        this.deadLetterTtl = builder.deadLetterTtl;
        this.requeue = builder.requeue;
        this.claimCheck = builder.claimCheck;
        this.listeners = List.copyOf(builder.listeners);
        this.meter = builder.meter;
        this.costs = builder.costs;
        this.semantic = builder.semantic;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link JobRunner}; store, tasks, owner, lease and result TTL are required. */
    public static final class Builder {
        private JobStore store;
        private TaskRegistry tasks;
        private String owner;
        private Duration lease;
        private Duration resultTtl;
        private Clock clock = Clock.systemUTC();
        private ObjectStore objects;
        private int largeResultBytes = ResultSpill.DEFAULT_THRESHOLD_BYTES;
        private int maxRuns = dev.ebb.core.config.Deployment.MAX_RUNS;
        private DeadLetterStore deadLetters;
        private Duration deadLetterTtl;
        private Requeue requeue;
        private ClaimCheck claimCheck = ClaimCheck.NONE;
        private final List<CompletionListener> listeners = new ArrayList<>();
        private JobMeter meter = JobMeter.NONE;
        private CostModel costs = CostModel.standard();
        private dev.ebb.core.cache.SemanticAnswers semantic;

        private Builder() {
        }

        /**
         * The semantic cache: each group's eligible jobs are looked up by meaning after the claim and before the task
         * runs; a hit ends SUCCEEDED with the cached answer and its similarity, and the task's successes are stored.
         */
        public Builder semantic(dev.ebb.core.cache.SemanticAnswers semantic) {
            this.semantic = semantic;
            return this;
        }

        /**
         * How a message whose task answered {@link Outcome.Retry} is put back with a growing delay (its job is
         * released, QUEUED again); unset, it comes back after the queue's visibility timeout.
         */
        public Builder requeue(Requeue requeue) {
            this.requeue = requeue;
            return this;
        }

        /** Asked about each job just claimed, before it runs (admission's second look: switches, budget). */
        public Builder claimCheck(ClaimCheck claimCheck) {
            this.claimCheck = Objects.requireNonNull(claimCheck, "claimCheck");
            return this;
        }

        /** Told of every job this runner ends (the cache's writes, the budget's settlement, the drain counter). */
        public Builder listener(CompletionListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Where batches, model time and ended jobs (outcome, wait, run, end to end, cost) are recorded. */
        public Builder metrics(MetricsSink metrics) {
            this.meter = new JobMeter(Objects.requireNonNull(metrics, "metrics"));
            return this;
        }

        /** How a job's cost is computed when it ends ({@link CostModel#standard()} unless set). */
        public Builder costs(CostModel costs) {
            this.costs = Objects.requireNonNull(costs, "costs");
            return this;
        }

        /** Runs of a job that may end with its worker dying before it is poison ({@link CrashPolicy}). */
        public Builder maxRuns(int maxRuns) {
            this.maxRuns = maxRuns;
            return this;
        }

        /**
         * Where poison jobs are ended FAILED {@code dead_lettered} and marked for redrive, kept for {@code jobTtl}
         * (a new job's TTL, as the dead-letter consumer keeps them).
         */
        public Builder deadLetters(DeadLetterStore deadLetters, Duration jobTtl) {
            this.deadLetters = deadLetters;
            this.deadLetterTtl = jobTtl;
            return this;
        }

        public Builder store(JobStore store) {
            this.store = store;
            return this;
        }

        /** The tasks this runner can run (the catalogue with this process's runners). */
        public Builder tasks(TaskRegistry tasks) {
            this.tasks = tasks;
            return this;
        }

        /** This process's name in leases; each run claims as {@code owner#n}. */
        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        /** How long a claim holds a job (EBB_LEASE_SECONDS). */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        /** How long a finished job is kept. */
        public Builder resultTtl(Duration resultTtl) {
            this.resultTtl = resultTtl;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where large inputs are read from and large results go; unset, such jobs fail clearly. */
        public Builder objects(ObjectStore objects) {
            this.objects = objects;
            return this;
        }

        /** Results whose JSON is larger go to the object store (EBB_LARGE_RESULT_BYTES). */
        public Builder largeResultBytes(int largeResultBytes) {
            this.largeResultBytes = largeResultBytes;
            return this;
        }

        public JobRunner build() {
            return new JobRunner(this);
        }
    }

    /** What to do with a message after a run. */
    public enum Disposition {
        /** Its job has ended: delete the message. */
        DELETE,
        /** Leave it: it comes back after its visibility timeout (and goes to the DLQ after too many receives). */
        RETRY
    }

    /** Runs the batch; returns one disposition per message, in the same order. */
    public List<Disposition> run(List<QueueMessage> messages) {
        Batch batch = prepare(messages.stream().map(ReceivedJob::of).toList());
        try {
            execute(batch);
        } catch (RuntimeException | Error e) {
            abandon(batch, e);
            throw e;
        }
        return finish(batch);
    }

    /**
     * A batch on its way through the three steps of a run, which a worker may do on different threads so that the
     * model never waits for the store: {@link #prepare} (read the messages, claim their jobs, fetch large inputs),
     * {@link #execute} (run the tasks: the only step that uses the model), {@link #finish} (complete the jobs, say
     * which messages may go). Between them, the batch's jobs are held under its claim, and
     * {@link #extendLeases} keeps that claim alive.
     */
    public static final class Batch {
        private final Disposition[] dispositions;
        /** A duplicate copy of a job's message in this batch → the first copy's index. */
        private final Map<Integer, Integer> duplicateOf;
        private final String claimOwner;
        private final Map<TaskAndModel, List<Claimed>> byTask;
        /** What {@link #execute} produced, for {@link #finish} to store. */
        private final List<Ran> outcomes = new ArrayList<>();
        private final List<Claimed> ran = new ArrayList<>();
        private final List<JobStore.Completion> completions = new ArrayList<>();
        /** jobId → the similarity of the cached answer it was given by meaning, for the jobs so answered. */
        private final Map<String, Double> similarity = new java.util.HashMap<>();
        /** Jobs whose last run vanished, each under its own claim: run alone and completed first. */
        private final List<Alone> alone = new ArrayList<>();
        /** jobId → claim owner, for every job this batch holds. */
        private final Map<String, String> heldHere;
        /** The messages, by index: what a job that is put back with a delay is put back as. */
        private List<ReceivedJob> received = List.of();

        private Batch(Disposition[] dispositions, Map<Integer, Integer> duplicateOf, String claimOwner,
                      Map<TaskAndModel, List<Claimed>> byTask, Map<String, String> heldHere) {
            this.dispositions = dispositions;
            this.duplicateOf = duplicateOf;
            this.claimOwner = claimOwner;
            this.byTask = byTask;
            this.heldHere = heldHere;
        }
    }

    /**
     * Step 1: claims the jobs of received messages (each envelope read once, at receive) under one claim, and reads
     * inputs kept in the object store. A message without an envelope is left for redelivery.
     */
    public Batch prepare(List<ReceivedJob> jobs) {
        Disposition[] dispositions = new Disposition[jobs.size()];
        // The first message of each job in this batch; a duplicate copy follows the first's disposition.
        Map<String, Integer> firstOf = new LinkedHashMap<>();
        Map<Integer, Integer> duplicateOf = new LinkedHashMap<>();
        List<JobEnvelope> envelopes = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        List<JobEnvelope> returning = new ArrayList<>();
        List<Integer> returningIndexes = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            ReceivedJob job = jobs.get(i);
            if (!job.readable()) {
                // Never runnable; retried until the redrive policy moves it to the DLQ, where it can be looked at.
                log.error("unreadable message messageId={}: {}", job.message().messageId(), job.unreadable());
                dispositions[i] = Disposition.RETRY;
                continue;
            }
            JobEnvelope envelope = job.envelope();
            Integer first = firstOf.putIfAbsent(envelope.jobId(), i);
            if (first != null) {
                duplicateOf.put(i, first);
            } else if (job.message().receiveCount() > 1) {
                returning.add(envelope); // received before: its job item says whether an earlier run crashed
                returningIndexes.add(i);
            } else {
                envelopes.add(envelope);
                indexes.add(i);
            }
        }

        String claimOwner = owner + "#" + claims.incrementAndGet();
        Map<TaskAndModel, List<Claimed>> byTask = new LinkedHashMap<>();
        Map<String, String> heldHere = new LinkedHashMap<>();
        Batch batch = new Batch(dispositions, duplicateOf, claimOwner, byTask, heldHere);
        batch.received = List.copyOf(jobs);
        for (int k = 0; k < returning.size(); k++) {
            if (!returned(batch, returningIndexes.get(k), returning.get(k), jobs.get(returningIndexes.get(k)))) {
                envelopes.add(returning.get(k));
                indexes.add(returningIndexes.get(k));
            }
        }
        Instant now = clock.instant();
        List<ClaimResult> claimResults;
        try {
            // Tied to the stored job: a message that is not the job's own claims nothing (and is deleted).
            claimResults = store.claimEnvelopes(envelopes, claimOwner, now.plus(lease), now);
        } catch (SdkException e) {
            log.warn("claim of {} jobs failed: {}", envelopes.size(), e.toString());
            claimResults = java.util.Collections.nCopies(envelopes.size(), new ClaimResult.Leased(null, null));
        }
        // Grouped by task and model: one runBatch call per group, each on the model its jobs asked for.
        for (int k = 0; k < envelopes.size(); k++) {
            int i = indexes.get(k);
            switch (claimResults.get(k)) {
                case ClaimResult.Claimed claimed -> {
                    JobEnvelope envelope = envelopes.get(k);
                    held.put(envelope.jobId(), claimOwner);
                    heldHere.put(envelope.jobId(), claimOwner);
                    switch (resolve(envelope)) {
                        case Resolved.Ready(JobEnvelope ready) -> {
                            Optional<Outcome.Failure> refused = refusedAtClaim(ready);
                            if (refused.isPresent()) {
                                batch.ran.add(new Claimed(i, ready));
                                batch.completions.add(new JobStore.Completion(ready.jobId(), refused.get()));
                            } else {
                                byTask.computeIfAbsent(new TaskAndModel(ready.task(), ready.model()),
                                        t -> new ArrayList<>()).add(new Claimed(i, ready));
                            }
                        }
                        case Resolved.Failed(Outcome failure) -> {
                            batch.ran.add(new Claimed(i, envelope));
                            batch.completions.add(new JobStore.Completion(envelope.jobId(), failure));
                        }
                        // The store did not answer: the lease lapses and the message comes back.
                        case Resolved.Unavailable() -> {
                            dispositions[i] = Disposition.RETRY;
                            recordError(envelope.jobId(), claimOwner, ResultSpill.OBJECT_STORE_UNAVAILABLE,
                                    "the job's input could not be read from the object store");
                        }
                    }
                }
                case ClaimResult.Finished finished -> dispositions[i] = Disposition.DELETE;
                case ClaimResult.Leased leased -> dispositions[i] = Disposition.RETRY;
            }
        }
        noteClaims(heldHere.keySet(), envelopes, now);
        return batch;
    }

    private Optional<Outcome.Failure> refusedAtClaim(JobEnvelope envelope) {
        try {
            Optional<Outcome.Failure> refused = claimCheck.refuse(envelope);
            refused.ifPresent(f -> log.info("jobId={} refused at claim: {}", envelope.jobId(), f.code()));
            return refused;
        } catch (RuntimeException e) {
            log.warn("jobId={} claim check failed, running it: {}", envelope.jobId(), e.toString());
            return Optional.empty();
        }
    }

    /** Remembers when the batch's jobs were claimed and how many shared the claim; counts the batch. */
    private void noteClaims(java.util.Set<String> claimedIds, List<JobEnvelope> envelopes, Instant claimedAt) {
        if (claimedIds.isEmpty()) {
            return;
        }
        Lane lane = null;
        for (JobEnvelope envelope : envelopes) {
            if (claimedIds.contains(envelope.jobId())) {
                runInfo.put(envelope.jobId(), new RunInfo(claimedAt, claimedIds.size(), 0, 1));
                lane = lane != null ? lane : laneOf(envelope.task());
            }
        }
        if (lane != null) {
            meter.batch(lane, claimedIds.size(), -1);
        }
    }

    private Lane laneOf(String task) {
        return tasks.find(task).map(TaskSpec::lane).orElse(null);
    }

    /**
     * A job whose message was received before: decides from its item ({@link CrashPolicy}) and, unless it is to be
     * claimed with the batch as usual, deals with it here. False: claim it with the batch.
     */
    private boolean returned(Batch batch, int index, JobEnvelope envelope, ReceivedJob job) {
        Instant now = clock.instant();
        Optional<Job> current;
        try {
            current = store.find(envelope.jobId());
        } catch (SdkException e) {
            log.warn("jobId={} could not be read: {}", envelope.jobId(), e.toString());
            batch.dispositions[index] = Disposition.RETRY;
            return true;
        }
        CrashPolicy.Decision decision = crashes.decide(current.orElse(null), now);
        if (decision instanceof CrashPolicy.Decision.Poison poison && deadLetters == null) {
            decision = new CrashPolicy.Decision.Alone(poison.crashedAlone()); // nowhere to end it: the DLQ will
        }
        switch (decision) {
            case CrashPolicy.Decision.Finished finished -> batch.dispositions[index] = Disposition.DELETE;
            case CrashPolicy.Decision.Held heldElsewhere -> batch.dispositions[index] = Disposition.RETRY;
            case CrashPolicy.Decision.Batched batched -> {
                return false;
            }
            case CrashPolicy.Decision.Poison poison -> batch.dispositions[index] =
                    endPoison(current.get(), poison.crashedAlone(), job.message().receiveCount(), now);
            case CrashPolicy.Decision.Alone alone -> claimAlone(batch, index, envelope, current.get(),
                    alone.crashedAlone(), now);
        }
        return true;
    }

    /** Ends a poison job FAILED dead_lettered, marked for redrive, as the dead-letter consumer would. */
    private Disposition endPoison(Job job, int crashedAlone, int receives, Instant now) {
        try {
            DeadLetterStore.MarkResult result = deadLetters.markDeadLettered(job.jobId(),
                    current -> DeadLetters.poisonReason(current, receives, crashedAlone), now, now.plus(deadLetterTtl));
            if (result instanceof DeadLetterStore.MarkResult.Held) {
                return Disposition.RETRY; // claimed again meanwhile
            }
            log.warn("jobId={} is poison: {} runs alone ended with the worker dying; FAILED dead_lettered, marked for"
                    + " redrive", job.jobId(), crashedAlone);
            return Disposition.DELETE;
        } catch (SdkException e) {
            log.warn("jobId={} poison, not ended yet: {}", job.jobId(), e.toString());
            return Disposition.RETRY;
        }
    }

    /** Claims a job whose last run vanished, under a claim of its own, to run it alone. */
    private void claimAlone(Batch batch, int index, JobEnvelope envelope, Job seen, int crashedAlone, Instant now) {
        String aloneOwner = owner + "#" + claims.incrementAndGet();
        ClaimResult result;
        try {
            result = store.claimAlone(seen, aloneOwner, now.plus(lease), now, crashedAlone);
        } catch (SdkException e) {
            log.warn("jobId={} claim failed: {}", envelope.jobId(), e.toString());
            batch.dispositions[index] = Disposition.RETRY;
            return;
        }
        switch (result) {
            case ClaimResult.Finished finished -> batch.dispositions[index] = Disposition.DELETE;
            case ClaimResult.Leased leased -> batch.dispositions[index] = Disposition.RETRY;
            case ClaimResult.Claimed claimed -> {
                log.info("jobId={} runs alone: its last run ended with its worker dying ({} such runs alone)",
                        envelope.jobId(), crashedAlone);
                held.put(envelope.jobId(), aloneOwner);
                batch.heldHere.put(envelope.jobId(), aloneOwner);
                runInfo.put(envelope.jobId(), new RunInfo(now, 1, 0, 1));
                switch (resolve(envelope)) {
                    case Resolved.Ready(JobEnvelope ready) -> batch.alone.add(
                            new Alone(new Claimed(index, ready), aloneOwner));
                    case Resolved.Failed(Outcome failure) -> completeAll(List.of(new Claimed(index, envelope)),
                            List.of(new JobStore.Completion(envelope.jobId(), failure)), aloneOwner,
                            batch.dispositions);
                    case Resolved.Unavailable() -> {
                        batch.dispositions[index] = Disposition.RETRY;
                        recordError(envelope.jobId(), aloneOwner, ResultSpill.OBJECT_STORE_UNAVAILABLE,
                                "the job's input could not be read from the object store");
                    }
                }
            }
        }
    }

    /**
     * Step 2: runs the claimed jobs' tasks: first each job that runs alone, completed at once (so that a crash in
     * the rest of the batch is not counted against it), then one {@code runBatch} per task and model.
     */
    public void execute(Batch batch) {
        for (Alone alone : batch.alone) {
            Claimed claimed = alone.claimed();
            JobEnvelope envelope = claimed.envelope;
            Outcome outcome;
            running.writeLock().lock();
            try {
                try {
                    // From here a vanished run counts toward poison: this job is the only one running.
                    store.startAlone(envelope.jobId(), alone.claimOwner());
                } catch (SdkException e) {
                    log.warn("jobId={} run alone not noted: {}", envelope.jobId(), e.toString());
                }
                long started = System.nanoTime();
                outcome = runTask(envelope.task(), envelope.model(), List.of(claimed)).get(0);
                noteModelTime(envelope.task(), List.of(claimed), started);
            } finally {
                running.writeLock().unlock();
            }
            if (outcome instanceof Outcome.Retry retry) {
                retryLater(batch, claimed, alone.claimOwner(), retry);
                continue;
            }
            switch (spill.completion(envelope.tenant(), envelope.jobId(), alone.claimOwner(), outcome)) {
                case ResultSpill.Spilled.Complete(JobStore.Completion completion) ->
                        completeAll(List.of(claimed), List.of(completion), alone.claimOwner(), batch.dispositions);
                case ResultSpill.Spilled.Retry(String code, String message) -> {
                    batch.dispositions[claimed.index] = Disposition.RETRY;
                    recordError(envelope.jobId(), alone.claimOwner(), code, message);
                }
            }
        }
        batch.alone.clear();
        for (Map.Entry<TaskAndModel, List<Claimed>> group : batch.byTask.entrySet()) {
            List<Outcome> outcomes;
            long started = System.nanoTime();
            List<Claimed> toRun = new ArrayList<>();
            List<Integer> toRunIndexes = new ArrayList<>();
            dev.ebb.core.cache.SemanticAnswers.Lookup lookup;
            running.readLock().lock();
            try {
                lookup = semantic == null ? null : semantic.lookup(group.getKey().task(), group.getKey().model(),
                        group.getValue().stream().map(Claimed::envelope).toList());
                for (int k = 0; k < group.getValue().size(); k++) {
                    Claimed claimed = group.getValue().get(k);
                    var hit = lookup == null ? Optional.<dev.ebb.core.cache.SemanticCache.Hit>empty() : lookup.hit(k);
                    if (hit.isPresent()) {
                        batch.similarity.put(claimed.envelope.jobId(), hit.get().similarity());
                        batch.outcomes.add(new Ran(claimed, Outcome.success(hit.get().result())));
                    } else {
                        toRun.add(claimed);
                        toRunIndexes.add(k);
                    }
                }
                outcomes = toRun.isEmpty() ? List.of() : runTask(group.getKey().task(), group.getKey().model(), toRun);
                if (!toRun.isEmpty()) {
                    noteModelTime(group.getKey().task(), toRun, started);
                }
            } finally {
                running.readLock().unlock();
            }
            long share = (System.nanoTime() - started) / 1_000_000 / Math.max(1, toRun.size());
            toRun.forEach(c -> computeMs.put(c.envelope.jobId(), share));
            for (int k = 0; k < outcomes.size(); k++) {
                batch.outcomes.add(new Ran(toRun.get(k), outcomes.get(k)));
                if (lookup != null) {
                    lookup.ran(toRunIndexes.get(k), outcomes.get(k));
                }
            }
        }
        batch.byTask.clear();
    }

    /** The task's time for one group, shared by its jobs (their compute cost), and counted once per batch. */
    private void noteModelTime(String task, List<Claimed> group, long startedNanos) {
        double millis = (System.nanoTime() - startedNanos) / 1e6;
        for (Claimed claimed : group) {
            runInfo.computeIfPresent(claimed.envelope.jobId(),
                    (id, info) -> new RunInfo(info.claimedAt(), info.batchJobs(), millis, group.size()));
        }
        Lane lane = laneOf(task);
        if (lane != null) {
            meter.modelTime(lane, task, millis);
        }
    }

    /**
     * Step 3: puts results too large for an item in the object store, then completes the jobs that ran
     * (conditionally, under the batch's claim); one disposition per message.
     */
    public List<Disposition> finish(Batch batch) {
        try {
            for (Ran ran : batch.outcomes) {
                JobEnvelope envelope = ran.claimed().envelope;
                if (ran.outcome() instanceof Outcome.Retry retry) {
                    retryLater(batch, ran.claimed(), batch.claimOwner, retry);
                    continue;
                }
                switch (spill.completion(envelope.tenant(), envelope.jobId(), batch.claimOwner, ran.outcome())) {
                    case ResultSpill.Spilled.Complete(JobStore.Completion completion) -> {
                        batch.ran.add(ran.claimed());
                        Double similarity = batch.similarity.get(envelope.jobId());
                        batch.completions.add(similarity != null && completion.outcome() instanceof Outcome.Success
                                ? completion.withSimilarity(similarity) : completion);
                    }
                    case ResultSpill.Spilled.Retry(String code, String message) -> {
                        batch.dispositions[ran.claimed().index] = Disposition.RETRY;
                        recordError(envelope.jobId(), batch.claimOwner, code, message);
                    }
                }
            }
            completeAll(batch.ran, batch.completions, batch.claimOwner, batch.dispositions);
        } catch (RuntimeException | Error e) {
            abandon(batch, e);
            throw e;
        } finally {
            release(batch);
        }
        // A job that was claimed but not run (execute never came) is left for redelivery.
        for (int i = 0; i < batch.dispositions.length; i++) {
            if (batch.dispositions[i] == null && !batch.duplicateOf.containsKey(i)) {
                batch.dispositions[i] = Disposition.RETRY;
            }
        }
        batch.duplicateOf.forEach((duplicate, first) -> batch.dispositions[duplicate] = batch.dispositions[first]);
        return List.of(batch.dispositions);
    }

    /**
     * A job whose task said "not now" ({@link Outcome.Retry}): released (QUEUED again, so the next delivery claims it
     * at once), its reason recorded as the last error, and its message put back with a delay that grows with its
     * receives. It does not fail.
     */
    private void retryLater(Batch batch, Claimed claimed, String claimOwner, Outcome.Retry retry) {
        String jobId = claimed.envelope.jobId();
        batch.dispositions[claimed.index] = Disposition.RETRY;
        try {
            if (!store.release(jobId, claimOwner)) {
                log.info("jobId={} not released (no longer held by {})", jobId, claimOwner);
            }
        } catch (SdkException e) {
            log.warn("jobId={} release failed; its lease lapses instead: {}", jobId, e.toString());
        }
        held.remove(jobId);
        recordError(jobId, claimOwner, retry.code(), retry.message());
        QueueMessage message = batch.received.get(claimed.index).message();
        Duration delay = Requeue.delay(message.receiveCount());
        log.info("jobId={} back to the queue for {} s: {}", jobId, delay.toSeconds(), retry.code());
        if (requeue != null) {
            try {
                requeue.later(message, delay);
            } catch (RuntimeException e) {
                log.warn("jobId={} delay not set; it comes back after the visibility timeout: {}", jobId,
                        e.toString());
            }
        }
    }

    /** Lets go of a batch that will not be finished: its leases are no longer extended, and lapse. */
    public void release(Batch batch) {
        batch.heldHere.forEach(held::remove);
        batch.heldHere.keySet().forEach(computeMs::remove);
        batch.heldHere.keySet().forEach(runInfo::remove);
    }

    /**
     * A step of the batch threw: records why on the jobs it holds (they stay RUNNING until their leases lapse and
     * their messages come back) and lets go of them. The caller passes the exception on.
     */
    public void abandon(Batch batch, Throwable e) {
        for (Map.Entry<String, String> job : batch.heldHere.entrySet()) {
            if (!recordError(job.getKey(), job.getValue(), "worker_error",
                    "the worker's run failed: " + e.getClass().getSimpleName())) {
                break; // the store refuses writes: one timed-out call is enough
            }
        }
        release(batch);
    }

    private void completeAll(List<Claimed> ran, List<JobStore.Completion> completions, String claimOwner,
                             Disposition[] dispositions) {
        if (ran.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        List<CompleteResult> results;
        completions = withCosts(ran, completions);
        try {
            results = store.completeAll(completions, claimOwner, now, now.plus(resultTtl));
        } catch (SdkException e) {
            // The jobs stay RUNNING under a lease that lapses; their messages come back and run again.
            log.warn("completion of {} jobs failed: {}", ran.size(), e.toString());
            ran.forEach(c -> dispositions[c.index] = Disposition.RETRY);
            // Where the store still takes a write (a throttled or failed transaction), the jobs say why they remain.
            recordErrors(ran.stream().map(c -> c.envelope.jobId()).toList(), claimOwner, "store_unavailable",
                    "the job ran but its completion could not be written: " + e.getClass().getSimpleName());
            return;
        }
        List<CompletionListener.Ended> ended = new ArrayList<>();
        for (int k = 0; k < ran.size(); k++) {
            dispositions[ran.get(k).index] = disposition(ran.get(k).envelope.jobId(), claimOwner, results.get(k));
            if (results.get(k) instanceof CompleteResult.Completed) {
                JobEnvelope envelope = ran.get(k).envelope;
                recordEnded(envelope, completions.get(k), now);
                Long ms = computeMs.remove(envelope.jobId());
                ended.add(new CompletionListener.Ended(envelope, completions.get(k).outcome(), ms == null ? 0 : ms,
                        completions.get(k).similarity()));
            }
        }
        for (CompletionListener listener : listeners) {
            if (ended.isEmpty()) {
                break;
            }
            try {
                listener.completed(List.copyOf(ended));
            } catch (RuntimeException e) {
                log.warn("a completion listener failed for {} jobs: {}", ended.size(), e.toString());
            }
        }
    }

    /** Each completion with what its job cost, from its sizes and its share of the batch it ran in. */
    private List<JobStore.Completion> withCosts(List<Claimed> ran, List<JobStore.Completion> completions) {
        List<JobStore.Completion> costed = new ArrayList<>(completions.size());
        for (int k = 0; k < completions.size(); k++) {
            JobEnvelope envelope = ran.get(k).envelope;
            JobStore.Completion completion = completions.get(k);
            Lane lane = laneOf(envelope.task());
            if (lane == null) {
                costed.add(completion);
                continue;
            }
            RunInfo info = runInfo.getOrDefault(envelope.jobId(), new RunInfo(null, 1, 0, 1));
            long inputBytes = envelope.input() == null ? 0 : Json.write(envelope.input()).length();
            long resultBytes = completion.resultJson() != null ? completion.resultJson().length()
                    : completion.resultRef() != null ? 1 : 0;
            JobEnvelope.Origin origin = envelope.origin();
            costed.add(completion.withCost(costs.cost(new JobUsage(lane, inputBytes, envelope.inputRef() == null,
                    resultBytes, completion.resultRef() == null, info.batchJobs(), info.modelMillis(),
                    info.groupJobs(), origin == null ? -1 : origin.submitMillis(), 1))));
        }
        return costed;
    }

    /** Counts a job this run ended: its outcome, queue wait, run time, end to end and cost. */
    private void recordEnded(JobEnvelope envelope, JobStore.Completion completion, Instant now) {
        RunInfo info = runInfo.remove(envelope.jobId());
        Lane lane = laneOf(envelope.task());
        if (lane == null) {
            return;
        }
        long created = envelope.origin() == null ? -1 : envelope.origin().createdAtMillis();
        long claimed = info == null || info.claimedAt() == null ? -1 : info.claimedAt().toEpochMilli();
        String failure = completion.outcome() instanceof Outcome.Failure f ? f.code() : null;
        meter.ended(lane, envelope.task(), envelope.tenant(), failure,
                created > 0 && claimed > 0 ? Math.max(0, claimed - created) : -1,
                claimed > 0 ? Math.max(0, now.toEpochMilli() - claimed) : -1,
                created > 0 ? Math.max(0, now.toEpochMilli() - created) : -1,
                completion.cost());
    }

    /**
     * Notes on the job why this run leaves it for another try (best effort: a store that fails here is already
     * failing, and the lease and the message bring the job back either way).
     */
    private boolean recordError(String jobId, String claimOwner, String code, String message) {
        try {
            store.recordError(jobId, new LastError(code, message, clock.instant(), claimOwner));
            return true;
        } catch (RuntimeException e) {
            log.warn("jobId={} last error {} not recorded: {}", jobId, code, e.toString());
            return false;
        }
    }

    /** {@link #recordError} for many jobs, stopping at the first the store refuses (each try may take seconds). */
    private void recordErrors(List<String> jobIds, String claimOwner, String code, String message) {
        for (String jobId : jobIds) {
            if (!recordError(jobId, claimOwner, code, message)) {
                return;
            }
        }
    }

    private Disposition disposition(String jobId, String claimOwner, CompleteResult result) {
        if (result instanceof CompleteResult.NotOwner(var current)) {
            if (current.isPresent() && current.get().status().isTerminal()) {
                log.info("jobId={} ended elsewhere ({}); this result is dropped", jobId, current.get().status());
                return Disposition.DELETE;
            }
            // Re-claimed by another worker after our lease lapsed: its copy of the message is the live one.
            log.warn("jobId={} lease lost before completion; leaving the message", jobId);
            recordError(jobId, claimOwner, "lease_lost", "a run finished after its lease had lapsed and the job"
                    + " had been claimed again; its result was dropped");
            return Disposition.RETRY;
        }
        return Disposition.DELETE;
    }

    /** What reading a job's input from the object store came to. */
    private sealed interface Resolved {
        record Ready(JobEnvelope envelope) implements Resolved {
        }

        record Failed(Outcome failure) implements Resolved {
        }

        record Unavailable() implements Resolved {
        }
    }

    /**
     * The envelope with its input in hand: as it came when inline, read from the object store when it names a key.
     * A missing or unreadable object can never run, so its job fails with the reason rather than coming back.
     */
    private Resolved resolve(JobEnvelope envelope) {
        String ref = envelope.inputRef();
        if (ref == null) {
            return new Resolved.Ready(envelope);
        }
        if (objects == null) {
            return new Resolved.Failed(Outcome.failure("input_unavailable", "the input is in the object store ("
                    + ref + ") and this worker has none configured (EBB_BUCKET)"));
        }
        if (!ref.startsWith("inputs/" + envelope.tenant() + "/" + envelope.jobId() + "/")) {
            return new Resolved.Failed(Outcome.failure("input_missing",
                    "the input reference '" + ref + "' does not belong to this job"));
        }
        try {
            var bytes = objects.get(ref);
            if (bytes.isEmpty()) {
                log.warn("jobId={} input object {} is missing", envelope.jobId(), ref);
                return new Resolved.Failed(Outcome.failure("input_missing",
                        "the job's input object " + ref + " is not in the object store (deleted or expired)"));
            }
            return new Resolved.Ready(envelope.withInput(Json.MAPPER.readTree(bytes.get())));
        } catch (IOException e) {
            return new Resolved.Failed(Outcome.failure("input_unreadable",
                    "the job's input object " + ref + " is not JSON"));
        } catch (SdkException e) {
            log.warn("input read failed jobId={} key={}: {}", envelope.jobId(), ref, e.toString());
            return new Resolved.Unavailable();
        }
    }

    /**
     * Heartbeat for messages this runner is working on: moves the lease of every job among them that one of its
     * runs holds a full lease period ahead, under that run's claim. Jobs it does not hold are left alone (the
     * update is conditional on the claim's owner).
     */
    public void extendLeases(List<QueueMessage> messages) {
        extendLeasesOf(messages.stream().map(ReceivedJob::of).toList());
    }

    /** {@link #extendLeases} for messages read at receive: their envelopes are not read again. */
    public void extendLeasesOf(List<ReceivedJob> jobs) {
        Instant until = clock.instant().plus(lease);
        for (ReceivedJob job : jobs) {
            if (!job.readable()) {
                continue; // not a job: nothing to extend
            }
            String jobId = job.envelope().jobId();
            try {
                String claimOwner = held.get(jobId);
                if (claimOwner != null) {
                    store.extendLease(jobId, claimOwner, until);
                }
            } catch (SdkException e) {
                log.warn("lease extension failed messageId={}: {}", job.message().messageId(), e.toString());
            }
        }
    }

    private List<Outcome> runTask(String taskName, String model, List<Claimed> claimed) {
        Task task = tasks.runnable(taskName).orElse(null);
        if (task == null) {
            // Accepted by a deployment that knew the task; this one does not. A clear failure beats a retry loop.
            return claimed.stream().map(c -> Outcome.failure("unknown_task",
                    "this worker does not run task '" + taskName + "'")).toList();
        }
        return bisect(task, model, claimed);
    }

    /**
     * Runs a batch, or a part of one that threw: whole if it can, otherwise in halves, down to single inputs, so an input
     * that makes the task throw fails alone (with a reason) and every other input still gets its result. A batch
     * with one bad input costs about 2·log2(n) extra runs rather than n.
     */
    private List<Outcome> bisect(Task task, String model, List<Claimed> part) {
        if (part.isEmpty()) {
            return List.of();
        }
        List<JobContext> jobs = part.stream().map(c -> c.envelope.context()).toList();
        try {
            return checked(task.runBatch(jobs), jobs.size(), task.name());
        } catch (RuntimeException e) {
            if (part.size() == 1) {
                // The exception's text is a library's, not the client's business: it goes to the log, and the job
                // says in Ebb's words what happened and where to look.
                log.warn("task {} failed jobId={}: {}", task.name(), part.get(0).envelope.jobId(), e.toString());
                return List.of(Outcome.failure("task_error", "task '" + task.name() + "' failed on this input, on"
                        + " its own (the other jobs of its batch ran); the worker's log has the cause under jobId "
                        + part.get(0).envelope.jobId()));
            }
            log.warn("task {} failed a batch of {}; retrying it in halves: {}", task.name(), part.size(), e.toString());
        }
        int half = part.size() / 2;
        List<Outcome> outcomes = new ArrayList<>(part.size());
        outcomes.addAll(bisect(task, model, part.subList(0, half)));
        outcomes.addAll(bisect(task, model, part.subList(half, part.size())));
        return outcomes;
    }

    private static List<Outcome> checked(List<Outcome> outcomes, int expected, String taskName) {
        if (outcomes == null || outcomes.size() != expected || outcomes.stream().anyMatch(Objects::isNull)) {
            throw new IllegalStateException("task " + taskName + " returned "
                    + (outcomes == null ? "null" : outcomes.size()) + " outcomes (or a null one) for " + expected
                    + " inputs");
        }
        return outcomes;
    }

    private record Claimed(int index, JobEnvelope envelope) {
    }

    private record Ran(Claimed claimed, Outcome outcome) {
    }

    private record Alone(Claimed claimed, String claimOwner) {
    }

    private record TaskAndModel(String task, String model) {
    }

    /** A claimed job's run so far: when claimed, with how many, and its task's time for its group. */
    private record RunInfo(Instant claimedAt, int batchJobs, double modelMillis, int groupJobs) {
    }
}
