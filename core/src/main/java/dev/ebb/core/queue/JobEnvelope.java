package dev.ebb.core.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Digests;
import dev.ebb.core.Json;
import dev.ebb.core.job.Job;
import dev.ebb.core.task.JobContext;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The SQS message body: small, versioned, and enough to run the job without reading the store first.
 * Version 1: {@code {"v":1,"jobId":…,"tenant":…,"task":…,"model":…,"input":…}}; an input too large for a message
 * is left out and {@code "inputRef":…} names its object-store key instead (an optional field: messages without it
 * read as before, and a reader that resolves references is needed only by jobs that have one).
 */
public record JobEnvelope(int version, String jobId, String tenant, String task, String model, JsonNode input,
                          String inputRef, boolean cacheWrite, double reserved, Origin origin, boolean cacheRead) {
    public static final int CURRENT_VERSION = 1;

    /**
     * The canonical form.
     *
     * @param cacheWrite whether the job's result may be written to the result cache (false for {@code cache: read}
     *                   and {@code off}); optional field {@code "cache":false}, absent means true
     * @param reserved   the budget reserved for the job at submit (settled when it ends); optional field
     *                   {@code "reserved"}, absent means 0 (a message sent again by a replay or the reconciler)
     * @param origin     when the job was created and how long its submit took (see {@link Origin}), or null
     * @param cacheRead  whether the job may be answered from a cache on the worker (the semantic cache): false only
     *                   for {@code cache: off}; optional field {@code "read"}, absent means {@code cacheWrite} (a
     *                   message of an older submit that says {@code "cache":false} may have been {@code off})
     */
    public JobEnvelope {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(task, "task");
        if (!(reserved >= 0)) {
            throw new IllegalArgumentException("reserved must be 0 or more");
        }
    }


    /**
     * When the job was created and how long its submit took until the send, in epoch and elapsed milliseconds (optional
     * fields {@code at} and {@code sub}): what the runner's queue-wait, end-to-end and cost figures start from. Not part
     * of the {@link #fingerprint}: a message that lies about them misstates metrics, never a result.
     */
    public record Origin(long createdAtMillis, long submitMillis) {
    }

    /** An envelope that may be answered from a cache where it may fill one. */
    public JobEnvelope(int version, String jobId, String tenant, String task, String model, JsonNode input,
                       String inputRef, boolean cacheWrite, double reserved, Origin origin) {
        this(version, jobId, tenant, task, model, input, inputRef, cacheWrite, reserved, origin, cacheWrite);
    }

    /** An envelope of the default cache mode, with nothing reserved and no origin (older messages, tests). */
    public JobEnvelope(int version, String jobId, String tenant, String task, String model, JsonNode input,
                       String inputRef) {
        this(version, jobId, tenant, task, model, input, inputRef, true, 0, null);
    }

    /** An envelope with what admission decided and no origin. */
    public JobEnvelope(int version, String jobId, String tenant, String task, String model, JsonNode input,
                       String inputRef, boolean cacheWrite, double reserved) {
        this(version, jobId, tenant, task, model, input, inputRef, cacheWrite, reserved, null);
    }

    /** An envelope with its input inline. */
    public JobEnvelope(int version, String jobId, String tenant, String task, String model, JsonNode input) {
        this(version, jobId, tenant, task, model, input, null);
    }

    public static JobEnvelope of(Job job) {
        return new JobEnvelope(CURRENT_VERSION, job.jobId(), job.tenant(), job.task(), job.model(), job.input(),
                job.inputRef(), true, 0, new Origin(job.createdAt().toEpochMilli(), -1));
    }

    /** This envelope, saying its submit took {@code millis} until the send. */
    public JobEnvelope withSubmitMillis(long millis) {
        return new JobEnvelope(version, jobId, tenant, task, model, input, inputRef, cacheWrite, reserved,
                new Origin(origin == null ? 0 : origin.createdAtMillis(), millis), cacheRead);
    }

    /** This envelope with the input that its reference named, read from the object store. */
    public JobEnvelope withInput(JsonNode resolved) {
        return new JobEnvelope(version, jobId, tenant, task, model, resolved, null, cacheWrite, reserved, origin,
                cacheRead);
    }

    /** This envelope with what admission decided for it: whether it may fill the cache, what it reserved. */
    public JobEnvelope withAdmission(boolean cacheWrite, double reserved) {
        return new JobEnvelope(version, jobId, tenant, task, model, input, inputRef, cacheWrite, reserved, origin,
                cacheWrite);
    }

    /** This envelope with what admission decided for it, by the request's cache mode. */
    public JobEnvelope withAdmission(dev.ebb.core.api.SubmitRequest.CacheMode cache, double reserved) {
        return new JobEnvelope(version, jobId, tenant, task, model, input, inputRef,
                cache == dev.ebb.core.api.SubmitRequest.CacheMode.DEFAULT, reserved, origin,
                cache != dev.ebb.core.api.SubmitRequest.CacheMode.OFF);
    }

    /** The request's cache mode, as far as the message tells it. */
    public dev.ebb.core.api.SubmitRequest.CacheMode cacheMode() {
        return cacheWrite ? dev.ebb.core.api.SubmitRequest.CacheMode.DEFAULT
                : cacheRead ? dev.ebb.core.api.SubmitRequest.CacheMode.READ : dev.ebb.core.api.SubmitRequest.CacheMode.OFF;
    }

    /** The job as its task runs it; its session is the one its input names ({@link #sessionId()}). */
    public JobContext context() {
        return new JobContext(jobId, tenant, model, sessionId(), input);
    }

    /**
     * The conversation this job belongs to: a task whose jobs form conversations (chat) keeps the session id in its
     * canonical input as {@code "session"}, so the stored job, the message, its fingerprint and a message sent again
     * by the reconciler all carry it without a field of their own. Null for other jobs.
     */
    public String sessionId() {
        JsonNode session = input == null ? null : input.get("session");
        return session != null && session.isTextual() ? session.textValue() : null;
    }

    /**
     * The FIFO message group of this job: its tenant's session (so one conversation's turns are ordered and two
     * tenants' sessions of the same name are not), or the job itself.
     */
    public String messageGroup() {
        String session = sessionId();
        return session == null ? jobId : HexFormat.of().formatHex(Digests.sha256(tenant + "\0" + session), 0, 16);
    }

    /**
     * What this message says its job is, as a short digest: tenant, task, model and the input (or the input's
     * object-store key). Written on the job item at create ({@code envelopeHash}); a claim holds a job only where
     * the message's fingerprint is the stored one, so a message sent by anyone able to write to a lane queue cannot
     * make a worker run another tenant's job with its own input.
     */
    public String fingerprint() {
        String what = inputRef != null ? "ref\0" + inputRef : "in\0" + (input == null ? "null" : Json.write(input));
        byte[] digest = Digests.sha256("v" + CURRENT_VERSION + "\0" + tenant + "\0" + task + "\0"
                + (model == null ? "" : model) + "\0" + what);
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    public String toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode()
                .put("v", version)
                .put("jobId", jobId)
                .put("tenant", tenant)
                .put("task", task);
        if (model != null) {
            node.put("model", model);
        }
        if (input != null) {
            node.set("input", input);
        }
        if (inputRef != null) {
            node.put("inputRef", inputRef);
        }
        if (!cacheWrite) {
            node.put("cache", false);
            if (cacheRead) {
                node.put("read", true);
            }
        }
        if (reserved > 0) {
            node.put("reserved", reserved);
        }
        if (origin != null && origin.createdAtMillis() > 0) {
            node.put("at", origin.createdAtMillis());
            if (origin.submitMillis() >= 0) {
                node.put("sub", origin.submitMillis());
            }
        }
        return Json.write(node);
    }

    /** Reads a message body, refusing anything this version of Ebb cannot run. */
    public static JobEnvelope parse(String body) throws MalformedEnvelopeException {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedEnvelopeException("message body is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new MalformedEnvelopeException("message body is not a JSON object");
        }
        if (!node.path("v").isInt() || node.get("v").intValue() != CURRENT_VERSION) {
            throw new MalformedEnvelopeException("unsupported envelope version " + node.path("v")
                    + " (this worker reads v" + CURRENT_VERSION + ")");
        }
        JsonNode ref = node.get("inputRef");
        if (ref != null && (!ref.isTextual() || ref.textValue().isEmpty())) {
            throw new MalformedEnvelopeException("envelope's 'inputRef' is not a non-empty string");
        }
        JsonNode reserved = node.get("reserved");
        if (reserved != null && (!reserved.isNumber() || !(reserved.doubleValue() >= 0))) {
            throw new MalformedEnvelopeException("envelope's 'reserved' is not a number of 0 or more");
        }
        boolean write = !node.path("cache").isBoolean() || node.get("cache").booleanValue();
        return new JobEnvelope(CURRENT_VERSION, text(node, "jobId"), text(node, "tenant"), text(node, "task"),
                node.path("model").isTextual() ? node.get("model").textValue() : null, node.get("input"),
                ref == null ? null : ref.textValue(), write,
                reserved == null ? 0 : reserved.doubleValue(), origin(node),
                node.path("read").isBoolean() ? node.get("read").booleanValue() : write);
    }

    private static Origin origin(JsonNode node) {
        JsonNode at = node.get("at");
        if (at == null || !at.canConvertToLong() || at.longValue() <= 0) {
            return null;
        }
        JsonNode sub = node.get("sub");
        return new Origin(at.longValue(), sub != null && sub.canConvertToLong() ? sub.longValue() : -1);
    }

    private static String text(JsonNode node, String field) throws MalformedEnvelopeException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
            throw new MalformedEnvelopeException("envelope has no '" + field + "'");
        }
        return value.textValue();
    }

    public static final class MalformedEnvelopeException extends Exception {
        public MalformedEnvelopeException(String message) {
            super(message, null, false, false);
        }
    }
}
