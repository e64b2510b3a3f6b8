package dev.ebb.core.job;

import dev.ebb.core.Json;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.Lane;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The jobs table's item layout: attribute names and the mapping to and from {@link Job}. */
final class JobItems {
    static final String JOB_ID = "jobId";
    static final String TENANT = "tenant";
    static final String TASK = "task";
    static final String LANE = "lane";
    static final String MODEL = "model";
    static final String INPUT = "input";
    /** The job's {@link JobEnvelope#fingerprint()}: what a message must say for a claim to hold it. */
    static final String ENVELOPE_HASH = "envelopeHash";
    /** The object-store key of an input too large for the item (and the message); {@code input} is then absent. */
    static final String INPUT_REF = "inputRef";
    static final String STATUS = "status";
    static final String ATTEMPTS = "attempts";
    static final String CREATED_AT = "createdAt";
    static final String STARTED_AT = "startedAt";
    static final String FINISHED_AT = "finishedAt";
    static final String RESULT = "result";
    /** The object-store key of a result too large for the item; {@code result} is then absent. */
    static final String RESULT_REF = "resultRef";
    /** A map {code, message, at (epoch ms), by}: the last failure that left the job for another try. */
    static final String LAST_ERROR = "lastError";
    /** Runs that ran alone and ended with their worker dying (N); see {@code CrashPolicy}. */
    static final String CRASHED_ALONE = "crashedAlone";
    /** Whether the current claim runs the job alone (BOOL; absent: in a batch). */
    static final String RUNS_ALONE = "runsAlone";
    /** The text a streaming task has produced so far (chat), while the job runs. */
    static final String PARTIAL = "partial";
    /** What the job cost (a map of US dollars by service, {@code JobCost.asMap}), written with its completion. */
    static final String COST = "cost";
    /** For a job answered by meaning (the semantic cache): the similarity of its text to the cached one's (N). */
    static final String SIMILARITY = "similarity";
    static final String ERROR_CODE = "errorCode";
    static final String ERROR_MESSAGE = "errorMessage";
    static final String LEASE_OWNER = "leaseOwner";
    static final String LEASE_UNTIL = "leaseUntil";
    static final String IDEMPOTENCY_KEY = "idempotencyKey";
    static final String REQUEST_HASH = "requestHash";
    /** The TTL attribute, in epoch seconds, as DynamoDB's time-to-live wants it. */
    static final String EXPIRES_AT = "expiresAt";
    /** The {@link QueuedIndex} keys: present only while the job is QUEUED with no run. */
    static final String QUEUED_LANE = QueuedIndex.LANE;
    static final String QUEUED_AT = QueuedIndex.AT;

    private JobItems() {
    }

    static Map<String, AttributeValue> key(String jobId) {
        return Map.of(JOB_ID, s(jobId));
    }

    static Map<String, AttributeValue> toItem(Job job) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(JOB_ID, s(job.jobId()));
        item.put(TENANT, s(job.tenant()));
        item.put(TASK, s(job.task()));
        item.put(LANE, s(job.lane().id()));
        putIfPresent(item, MODEL, job.model());
        if (job.input() != null) {
            item.put(INPUT, s(Json.write(job.input())));
        }
        putIfPresent(item, INPUT_REF, job.inputRef());
        item.put(ENVELOPE_HASH, s(JobEnvelope.of(job).fingerprint()));
        item.put(STATUS, s(job.status().name()));
        item.put(ATTEMPTS, n(job.attempts()));
        item.put(CREATED_AT, millis(job.createdAt()));
        putIfPresent(item, STARTED_AT, job.startedAt());
        putIfPresent(item, FINISHED_AT, job.finishedAt());
        if (job.result() != null) {
            item.put(RESULT, s(Json.write(job.result())));
        }
        putIfPresent(item, RESULT_REF, job.resultRef());
        if (job.similarity() != null) {
            item.put(SIMILARITY, AttributeValue.fromN(Double.toString(job.similarity())));
        }
        if (job.lastError() != null) {
            item.put(LAST_ERROR, lastError(job.lastError()));
        }
        if (job.error() != null) {
            item.put(ERROR_CODE, s(job.error().code()));
            item.put(ERROR_MESSAGE, s(job.error().message()));
        }
        putIfPresent(item, LEASE_OWNER, job.leaseOwner());
        putIfPresent(item, LEASE_UNTIL, job.leaseUntil());
        putIfPresent(item, IDEMPOTENCY_KEY, job.idempotencyKey());
        putIfPresent(item, REQUEST_HASH, job.requestHash());
        item.put(EXPIRES_AT, epochSeconds(job.expiresAt()));
        if (job.status() == JobStatus.QUEUED && job.attempts() == 0) {
            item.put(QUEUED_LANE, s(job.lane().id()));
            item.put(QUEUED_AT, millis(job.createdAt()));
        }
        return item;
    }

    static Job fromItem(Map<String, AttributeValue> item) {
        String errorCode = str(item, ERROR_CODE);
        return new Job(
                str(item, JOB_ID),
                str(item, TENANT),
                str(item, TASK),
                Lane.fromId(str(item, LANE)),
                str(item, MODEL),
                item.containsKey(INPUT) ? Json.readTrusted(str(item, INPUT)) : null,
                JobStatus.valueOf(str(item, STATUS)),
                item.containsKey(ATTEMPTS) ? Integer.parseInt(item.get(ATTEMPTS).n()) : 0,
                instantMillis(item, CREATED_AT),
                instantMillis(item, STARTED_AT),
                instantMillis(item, FINISHED_AT),
                item.containsKey(RESULT) ? Json.readTrusted(str(item, RESULT)) : null,
                errorCode == null ? null : new JobError(errorCode, str(item, ERROR_MESSAGE)),
                str(item, LEASE_OWNER),
                instantMillis(item, LEASE_UNTIL),
                str(item, IDEMPOTENCY_KEY),
                str(item, REQUEST_HASH),
                Instant.ofEpochSecond(Long.parseLong(item.get(EXPIRES_AT).n())),
                str(item, INPUT_REF),
                str(item, RESULT_REF),
                lastError(item.get(LAST_ERROR)),
                item.containsKey(CRASHED_ALONE) ? Integer.parseInt(item.get(CRASHED_ALONE).n()) : 0,
                item.containsKey(RUNS_ALONE) && Boolean.TRUE.equals(item.get(RUNS_ALONE).bool()),
                str(item, PARTIAL),
                cost(item.get(COST)),
                item.containsKey(SIMILARITY) ? Double.valueOf(item.get(SIMILARITY).n()) : null);
    }

    static AttributeValue cost(dev.ebb.core.cost.JobCost cost) {
        Map<String, AttributeValue> map = new java.util.LinkedHashMap<>();
        cost.asMap().forEach((name, usd) -> map.put(name, AttributeValue.fromN(java.math.BigDecimal.valueOf(usd)
                .round(new java.math.MathContext(6)).toPlainString())));
        return AttributeValue.fromM(map);
    }

    static dev.ebb.core.cost.JobCost cost(AttributeValue value) {
        if (value == null || !value.hasM()) {
            return null;
        }
        Map<String, Double> map = new java.util.LinkedHashMap<>();
        value.m().forEach((name, usd) -> {
            if (usd.n() != null) {
                map.put(name, Double.parseDouble(usd.n()));
            }
        });
        return dev.ebb.core.cost.JobCost.fromMap(map);
    }

    static AttributeValue lastError(LastError error) {
        return AttributeValue.fromM(Map.of(
                "code", s(error.code()),
                "message", s(error.message()),
                "at", millis(error.at()),
                "by", s(error.by())));
    }

    private static LastError lastError(AttributeValue value) {
        if (value == null || !value.hasM()) {
            return null;
        }
        Map<String, AttributeValue> m = value.m();
        return new LastError(str(m, "code"), str(m, "message"), instantMillis(m, "at"), str(m, "by"));
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue millis(Instant instant) {
        return n(instant.toEpochMilli());
    }

    static AttributeValue epochSeconds(Instant instant) {
        return n(instant.getEpochSecond());
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, s(value));
        }
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, Instant value) {
        if (value != null) {
            item.put(name, millis(value));
        }
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static Instant instantMillis(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : Instant.ofEpochMilli(Long.parseLong(value.n()));
    }
}
