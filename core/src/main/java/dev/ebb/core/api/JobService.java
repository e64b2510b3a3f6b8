package dev.ebb.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Digests;
import dev.ebb.core.Json;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.job.JobStore.CancelResult;
import dev.ebb.core.job.JobStore.CreateResult;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.QueueText;
import dev.ebb.core.run.ResultSpill;
import dev.ebb.core.store.ObjectStore;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.TaskSpec;
import dev.ebb.core.task.TaskRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What the HTTP API does, apart from HTTP: accept a job (validate, record QUEUED, enqueue), read it, cancel it.
 *
 * <p>Accepting writes the job first and the message second. If the message cannot be sent, the job is removed
 * again and the client gets a 503, so a 202 always means the job is both stored and queued. A replay of an
 * idempotent submit whose job is still QUEUED sends its message again: that heals a submit that died between
 * the two writes, and a duplicate message is harmless because claims are conditional.
 */
public final class JobService {
    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final JobStore store;
    private final JobQueue queue;
    private final TaskRegistry tasks;
    private final Limits limits;
    private final Clock clock;
    /** Where large inputs go; null when this deployment has no bucket (large inputs are then refused). */
    private final ObjectStore objects;
    /** Reads results that were too large for the job item back from the object store. */
    private final ResultSpill results;

    public JobService(JobStore store, JobQueue queue, TaskRegistry tasks, Limits limits, Clock clock) {
        this(store, queue, tasks, limits, clock, null);
    }

    public JobService(JobStore store, JobQueue queue, TaskRegistry tasks, Limits limits, Clock clock,
                      ObjectStore objects) {
        this.objects = objects;
        this.results = new ResultSpill(objects, ResultSpill.DEFAULT_THRESHOLD_BYTES);
        this.store = store;
        this.queue = queue;
        this.tasks = tasks;
        this.limits = limits;
        this.clock = clock;
    }

    /** The job accepted, and whether it is an earlier job returned again for the same idempotency key. */
    public record Submitted(Job job, boolean replay) {
    }

    public Submitted submit(String tenant, String body) throws ApiException {
        if (body != null && tooLarge(body)) {
            throw ApiException.tooLarge("request_too_large",
                    "request body is larger than " + limits.maxRequestBytes() + " bytes");
        }
        SubmitRequest request = SubmitRequest.parse(body);
        TaskSpec task = tasks.find(request.task()).orElseThrow(() -> ApiException.badRequest("unknown_task",
                "unknown task '" + request.task() + "' (known: " + String.join(", ", tasks.names()) + ")"));
        JsonNode input;
        try {
            task.checkModel(request.model());
            input = task.validate(request.input());
        } catch (InvalidInputException e) {
            throw ApiException.badRequest(e.code(), e.getMessage());
        }
        String inputJson = Json.write(input);
        if (QueueText.firstInvalid(inputJson) >= 0) {
            throw ApiException.badRequest("invalid_input",
                    "input contains a character that cannot be queued (an unpaired surrogate, U+FFFE or U+FFFF)");
        }
        int inputBytes = inputJson.getBytes(StandardCharsets.UTF_8).length;
        if (inputBytes > limits.maxInputBytes()) {
            throw ApiException.tooLarge("input_too_large",
                    "input is " + inputBytes + " bytes; the limit is " + limits.maxInputBytes());
        }

        boolean large = inputBytes > limits.inlineInputBytes();
        if (large && objects == null) {
            throw ApiException.tooLarge("input_too_large", "input is " + inputBytes + " bytes; inputs over "
                    + limits.inlineInputBytes() + " bytes need an object store, and this deployment has none"
                    + " (EBB_BUCKET is not set)");
        }

        Instant now = clock.instant();
        String requestHash = requestHash(task.name(), request.model(), inputJson);
        String jobId = request.idempotencyKey() == null
                ? JobIds.random()
                : JobIds.fromIdempotencyKey(tenant, request.idempotencyKey());
        Job job = Job.queued(jobId, tenant, task.name(), task.lane(), request.model(), input,
                request.idempotencyKey(), requestHash, now, now.plus(limits.jobTtl()));
        if (large) {
            job = job.withInputRef(putInput(tenant, jobId, requestHash, inputJson));
        }

        CreateResult created = store.create(job);
        if (created instanceof CreateResult.AlreadyExists(Job existing)) {
            if (!requestHash.equals(existing.requestHash())) {
                throw new ApiException(409, "idempotency_key_reused",
                        "idempotencyKey '" + request.idempotencyKey() + "' was used for a different request");
            }
            if (existing.status() == JobStatus.QUEUED) {
                enqueueOrUndo(existing, false);
            }
            return new Submitted(withStoredResult(existing), true);
        }
        enqueueOrUndo(job, true);
        return new Submitted(job, false);
    }

    public Job get(String tenant, String jobId) throws ApiException {
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
    private Job withStoredResult(Job job) throws ApiException {
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

    public Job cancel(String tenant, String jobId) throws ApiException {
        requireValidId(jobId);
        Instant now = clock.instant();
        return switch (store.cancel(tenant, jobId, now, now.plus(limits.resultTtl()))) {
            case CancelResult.Cancelled(Job job) -> job;
            case CancelResult.AlreadyFinished(Job job) -> throw new ApiException(409, "job_finished",
                    "job " + jobId + " already ended " + job.status() + "; only QUEUED or RUNNING jobs can be cancelled");
            case CancelResult.NotFound() -> throw ApiException.notFound("job " + jobId);
        };
    }

    /** Writes a large input before its job exists, so no message can name an object that is not there yet. */
    private String putInput(String tenant, String jobId, String requestHash, String inputJson) throws ApiException {
        String key = inputKey(tenant, jobId, requestHash);
        try {
            objects.put(key, inputJson.getBytes(StandardCharsets.UTF_8));
        } catch (SdkException e) {
            log.error("input put failed for jobId={} key={}: {}", jobId, key, e.toString());
            throw ApiException.unavailable("object_store_unavailable",
                    "the object store is not reachable; the job was not accepted, retry later", 5);
        }
        return key;
    }

    /** The object-store key of a large input: {@code inputs/<tenant>/<jobId>/<requestHash>.json}. */
    public static String inputKey(String tenant, String jobId, String requestHash) {
        return "inputs/" + tenant + "/" + jobId + "/" + requestHash + ".json";
    }

    private void enqueueOrUndo(Job job, boolean undoOnFailure) throws ApiException {
        try {
            queue.send(job.lane(), JobEnvelope.of(job));
        } catch (SdkException e) {
            log.error("enqueue failed for jobId={} lane={}: {}", job.jobId(), job.lane().id(), e.toString());
            if (undoOnFailure && !store.deleteQueued(job.jobId())) {
                log.error("could not remove jobId={} after its enqueue failed", job.jobId());
            }
            throw ApiException.unavailable("queue_unavailable",
                    "the job queue is not reachable; the job was not accepted, retry later", 5);
        }
    }

    /** Whether the body's UTF-8 size is over the limit; encodes only when it might be (a char is at most 3 bytes). */
    private boolean tooLarge(String body) {
        return (long) body.length() * 3 > limits.maxRequestBytes()
                && body.getBytes(StandardCharsets.UTF_8).length > limits.maxRequestBytes();
    }

    private static void requireValidId(String jobId) throws ApiException {
        if (!JobIds.isValid(jobId)) {
            throw ApiException.badRequest("invalid_job_id", "job ids look like j_ followed by 26 characters of 0-9a-z");
        }
    }

    private static String requestHash(String task, String model, String inputJson) {
        byte[] digest = Digests.sha256(task + "\0" + (model == null ? "" : model) + "\0" + inputJson);
        return HexFormat.of().formatHex(digest, 0, 16);
    }
}
