package dev.ebb.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.admission.Admission;
import dev.ebb.core.admission.AdmissionPipeline;
import dev.ebb.core.admission.AdmissionStep;
import dev.ebb.core.admission.Decision;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.job.JobStore.CancelResult;
import dev.ebb.core.job.JobStore.CreateResult;
import dev.ebb.core.metrics.JobMeter;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.run.ResultSpill;
import dev.ebb.core.store.ObjectStore;
import dev.ebb.core.task.TaskRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What the HTTP API does, apart from HTTP: accept a job (admit it, record it QUEUED, enqueue it), read it, cancel it.
 * Admission is an ordered list of steps ({@link AdmissionPipeline}); this class only stores and queues what they let
 * through.
 *
 * <p>Accepting writes the job first and the message second. If the message cannot be sent, the job is removed
 * again and the client gets a 503, so a 202 always means the job is both stored and queued. A replay of an
 * idempotent submit whose job is still QUEUED with no run sends its message again only once the job has waited
 * longer than {@link #DEFAULT_RESEND_AFTER} (a visibility period): only then can its message have been lost (a
 * submit that died between the two writes, a queue that lost it). A client retrying a fresh job does not add a
 * copy per retry; copies would be harmless to the result (claims are conditional) but each is a receive, and a
 * worker that dies holding several of them would count several against the job.
 */
public final class JobService {
    private static final Logger log = LoggerFactory.getLogger(JobService.class);
    /**
     * How long a QUEUED job with no run must have waited before a replay sends its message again: the longest lane
     * visibility timeout on AWS (the cpu lane's 180 s), so that a message still waiting or in a consumer's hands is
     * not copied.
     */
    public static final Duration DEFAULT_RESEND_AFTER = Duration.ofMinutes(3);

    private final JobStore store;
    private final JobQueue queue;
    private final Limits limits;
    private final Clock clock;
    private final AdmissionPipeline admission;
    /** Reads results that were too large for the job item back from the object store. */
    private final ResultSpill results;
    private final Duration resendAfter;
    /** Told of each job a client cancelled (admission's undo: its budget reservation). */
    private final List<java.util.function.Consumer<Job>> onCancelled;
    /** Submitted, accepted, rejected, cancelled: recorded without I/O, flushed by the deployable. */
    private final JobMeter meter;

    private JobService(Builder builder) {
        this.store = Objects.requireNonNull(builder.store, "store");
        this.queue = Objects.requireNonNull(builder.queue, "queue");
        this.limits = Objects.requireNonNull(builder.limits, "limits");
        this.clock = builder.clock;
        this.resendAfter = builder.resendAfter;
        this.onCancelled = List.copyOf(builder.onCancelled);
        this.meter = builder.meter;
        this.results = new ResultSpill(builder.objects, ResultSpill.DEFAULT_THRESHOLD_BYTES);
        AdmissionPipeline pipeline = AdmissionPipeline.standard(Objects.requireNonNull(builder.tasks, "tasks"),
                limits, builder.objects);
        for (AdmissionStep step : builder.steps) {
            pipeline = pipeline.with(step);
        }
        this.admission = pipeline;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How a submit ended. */
    public enum How {
        /** A new job, stored and queued: 202. */
        ACCEPTED,
        /**
         * An earlier job of the same idempotency key, returned again (its message re-sent if it has been QUEUED with
         * no run for longer than the resend period).
         */
        REPLAYED,
        /** Answered by an admission step without a run (a cached result): the job has ended. */
        ANSWERED
    }

    /**
     * The job the submit came to, and how.
     *
     * @param eta how long the job's lane takes to drain its backlog, as measured (null where nothing measures it)
     */
    public record Submitted(Job job, How how, Duration eta) {
        public Submitted(Job job, How how) {
            this(job, how, null);
        }

        public boolean replay() {
            return how == How.REPLAYED;
        }

        /** Whether the client gets the job itself (200) rather than its acceptance (202). */
        public boolean finished() {
            return how == How.ANSWERED || (how == How.REPLAYED && job.status().isTerminal());
        }
    }

    /** The admission steps this service runs, in order. */
    public AdmissionPipeline admission() {
        return admission;
    }

    /** {@link #submit(SubmitRequest)} of a {@code POST /v1/jobs} body: parsed (and its size checked) first. */
    public Submitted submit(String tenant, String body) {
        SubmitRequest request;
        try {
            request = SubmitRequest.parse(tenant, body, limits.maxRequestBytes());
        } catch (ApiException e) {
            meter.submitted();
            meter.rejected(e.code());
            throw e;
        }
        return submit(request);
    }

    /**
     * Admits the request (every step of {@link #admission()}, in order) and, unless a step refused or answered it,
     * stores the job QUEUED and sends its message.
     *
     * @throws ApiException a step's refusal, {@code 409 idempotency_key_reused}, or {@code 503} when the queue
     *                      cannot be reached (nothing was accepted)
     */
    public Submitted submit(SubmitRequest request) {
        long startedNanos = System.nanoTime();
        meter.submitted();
        try {
            Submitted submitted = admitAndQueue(request, startedNanos);
            if (submitted.how() == How.ACCEPTED) {
                meter.accepted(submitted.job().lane(), submitted.job().task(), request.tenant());
            }
            return submitted;
        } catch (ApiException e) {
            meter.rejected(e.code());
            throw e;
        }
    }

    private Submitted admitAndQueue(SubmitRequest request, long startedNanos) {
        Admission submit = new Admission(request, clock.instant());
        boolean accepted = false;
        try {
            Submitted submitted = admitStoreAndSend(request, submit, startedNanos);
            accepted = submitted.how() == How.ACCEPTED;
            return submitted;
        } finally {
            if (!accepted) {
                submit.abandon(); // refused, answered, a replay, or not sent: what steps reserved is given back
            }
        }
    }

    private Submitted admitStoreAndSend(SubmitRequest request, Admission submit, long startedNanos) {
        switch (admission.admit(submit)) {
            case Decision.Reject(ApiException error) -> throw error;
            case Decision.Answer(Job answered) -> {
                return new Submitted(answered, How.ANSWERED);
            }
            case Decision.Pass pass -> {
            }
        }
        Instant now = submit.now();
        Job job = Job.queued(submit.jobId(), request.tenant(), submit.task().name(), submit.task().lane(),
                request.model(), submit.input(), request.idempotencyKey(), submit.requestHash(), now,
                now.plus(limits.jobTtl()));
        if (submit.inputRef() != null) {
            job = job.withInputRef(submit.inputRef());
        }

        CreateResult created = store.create(job);
        if (created instanceof CreateResult.AlreadyExists(Job existing)) {
            if (!submit.requestHash().equals(existing.requestHash())) {
                throw new ApiException(409, "idempotency_key_reused",
                        "idempotencyKey '" + request.idempotencyKey() + "' was used for a different request");
            }
            if (existing.status() == JobStatus.QUEUED) {
                existing = replayQueued(existing, now);
            }
            return new Submitted(withStoredResult(existing), How.REPLAYED);
        }
        // What admission decided travels with the message: whether the result may fill the cache, what was reserved.
        JobEnvelope envelope = JobEnvelope.of(job).withAdmission(request.cache(),
                submit.reserved());
        enqueueOrUndo(job, envelope.withSubmitMillis((System.nanoTime() - startedNanos) / 1_000_000), true);
        return new Submitted(job, How.ACCEPTED, submit.eta());
    }

    /** QUEUED, never claimed, and waiting for longer than a message could be waiting or held without a claim. */
    private boolean mayHaveLostItsMessage(Job job, Instant now) {
        return job.status() == JobStatus.QUEUED && job.attempts() == 0 && job.createdAt() != null
                && job.createdAt().plus(resendAfter).isBefore(now);
    }

    public Job get(String tenant, String jobId) {
        requireValidId(jobId);
        Job job = store.find(jobId)
                .filter(found -> found.tenant().equals(tenant))
                .orElseThrow(() -> ApiException.notFound("job " + jobId));
        return withStoredResult(job);
    }

    /**
     * The job with its result inline, read from the object store where the item keeps only its key, so a large
     * result looks to the client like any other. An object that is gone is a {@code 410 result_missing} (the job
     * did succeed; its result cannot be served any more), one that cannot be read now a {@code 503}.
     */
    private Job withStoredResult(Job job) {
        if (job.resultRef() == null || job.result() != null) {
            return job;
        }
        return switch (results.read(job.resultRef())) {
            case ResultSpill.Read.Found(JsonNode result) -> job.withResult(result);
            case ResultSpill.Read.Missing(String reason) -> throw new ApiException(410, "result_missing",
                    "job " + job.jobId() + " " + job.status() + ", but its result cannot be served: " + reason);
            case ResultSpill.Read.Unavailable(String reason) -> throw ApiException.unavailable(
                    "object_store_unavailable", "job " + job.jobId() + " " + job.status() + "; its result could not"
                            + " be read: " + reason, 5);
        };
    }

    public Job cancel(String tenant, String jobId) {
        requireValidId(jobId);
        Instant now = clock.instant();
        return switch (store.cancel(tenant, jobId, now, now.plus(limits.resultTtl()))) {
            case CancelResult.Cancelled(Job job) -> cancelled(job);
            case CancelResult.AlreadyFinished(Job job) -> throw new ApiException(409, "job_finished",
                    "job " + jobId + " already ended " + job.status() + "; only QUEUED or RUNNING jobs can be cancelled");
            case CancelResult.NotFound() -> throw ApiException.notFound("job " + jobId);
        };
    }

    /**
     * Cancels the job as {@link #cancel} does (its reservation released, counted as cancelled), but only while it is
     * still QUEUED: one a worker has claimed meanwhile is left to that worker's claim check. An operator's sweep of a
     * switched-off tenant's queue uses it ({@link QueuedJobSweep}).
     *
     * @return the cancelled job, or empty where the job is no longer QUEUED (claimed, ended, gone)
     */
    public java.util.Optional<Job> cancelIfQueued(String tenant, String jobId) {
        requireValidId(jobId);
        Instant now = clock.instant();
        return switch (store.cancelQueued(tenant, jobId, now, now.plus(limits.resultTtl()))) {
            case CancelResult.Cancelled(Job job) -> java.util.Optional.of(cancelled(job));
            case CancelResult.AlreadyFinished already -> java.util.Optional.empty();
            case CancelResult.NotFound notFound -> java.util.Optional.empty();
        };
    }

    /** What follows every cancel once it was written: the listeners (the reservation's release) and the count. */
    private Job cancelled(Job job) {
        for (java.util.function.Consumer<Job> listener : onCancelled) {
            try {
                listener.accept(job);
            } catch (RuntimeException e) {
                log.warn("jobId={} cancelled; a cancel listener failed: {}", job.jobId(), e.toString());
            }
        }
        meter.cancelled();
        return job;
    }

    /**
     * A replay of a job found QUEUED: marks it first, so that the submit that created it can no longer undo it (its
     * send may still be failing), then sends its message again. Where the mark fails the job has moved on (it is
     * answered as it now is) or was undone (503: nothing is accepted; a retry creates it again).
     */
    private Job replayQueued(Job existing, Instant now) {
        // Marked before any 202 for it, so the first submit's undo can no longer delete it; the message is sent
        // again only when it may have been lost (otherwise the reconciler would, within one period).
        if (store.markReplayed(existing.jobId())) {
            if (mayHaveLostItsMessage(existing, now)) {
                log.info("re-sending the message of jobId={}: QUEUED with no run since {}", existing.jobId(),
                        existing.createdAt());
                enqueueOrUndo(existing, JobEnvelope.of(existing), false);
            }
            return existing;
        }
        return store.find(existing.jobId()).orElseThrow(() -> ApiException.unavailable("queue_unavailable",
                "the job queue was not reachable when this job was first submitted; it was not accepted, retry later",
                5));
    }

    private void enqueueOrUndo(Job job, JobEnvelope envelope, boolean undoOnFailure) {
        try {
            queue.send(job.lane(), envelope);
        } catch (SdkException e) {
            log.error("enqueue failed for jobId={} lane={}: {}", job.jobId(), job.lane().id(), e.toString());
            if (undoOnFailure && !store.deleteQueued(job.jobId())) {
                log.error("could not remove jobId={} after its enqueue failed", job.jobId());
            }
            throw ApiException.unavailable("queue_unavailable",
                    "the job queue is not reachable; the job was not accepted, retry later", 5);
        }
    }

    private static void requireValidId(String jobId) {
        if (!JobIds.isValid(jobId)) {
            throw ApiException.badRequest("invalid_job_id", "job ids look like j_ followed by 26 characters of 0-9a-z");
        }
    }

    /** Builds a {@link JobService}; store, queue, tasks and limits are required. */
    public static final class Builder {
        private JobStore store;
        private JobQueue queue;
        private TaskRegistry tasks;
        private Limits limits;
        private Clock clock = Clock.systemUTC();
        private Duration resendAfter = DEFAULT_RESEND_AFTER;
        private ObjectStore objects;
        private final List<AdmissionStep> steps = new ArrayList<>();
        private final List<java.util.function.Consumer<Job>> onCancelled = new ArrayList<>();
        private JobMeter meter = JobMeter.NONE;

        private Builder() {
        }

        /** Told of each job a client cancels, once, after the cancel was written (releases its reservation). */
        public Builder onCancelled(java.util.function.Consumer<Job> listener) {
            this.onCancelled.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Where submitted, accepted, rejected and cancelled jobs are counted; unset, nowhere. */
        public Builder metrics(MetricsSink metrics) {
            this.meter = new JobMeter(Objects.requireNonNull(metrics, "metrics"));
            return this;
        }

        public Builder store(JobStore store) {
            this.store = store;
            return this;
        }

        public Builder queue(JobQueue queue) {
            this.queue = queue;
            return this;
        }

        /** The task catalogue the requests are checked against. */
        public Builder tasks(TaskRegistry tasks) {
            this.tasks = tasks;
            return this;
        }

        public Builder limits(Limits limits) {
            this.limits = limits;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How long a QUEUED job with no run waits before an idempotent replay sends its message again
         * ({@link #DEFAULT_RESEND_AFTER}); set it to the longest visibility timeout of the lanes' queues.
         */
        public Builder resendAfter(Duration resendAfter) {
            if (resendAfter.isNegative()) {
                throw new IllegalArgumentException("resendAfter must not be negative");
            }
            this.resendAfter = resendAfter;
            return this;
        }

        /** Where large inputs go and large results are read from; unset, large inputs are refused with a 413. */
        public Builder objects(ObjectStore objects) {
            this.objects = objects;
            return this;
        }

        /** An admission step besides the built-in ones; it runs at its {@link AdmissionStep#stage()}. */
        public Builder step(AdmissionStep step) {
            this.steps.add(Objects.requireNonNull(step, "step"));
            return this;
        }

        public JobService build() {
            return new JobService(this);
        }
    }
}
