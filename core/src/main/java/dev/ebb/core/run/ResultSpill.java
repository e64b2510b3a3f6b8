package dev.ebb.core.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.JobStore.Completion;
import dev.ebb.core.store.ObjectStore;
import dev.ebb.core.task.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Results too large for a job item: a success whose JSON is over {@code thresholdBytes} is put in the object store
 * at {@code results/<tenant>/<jobId>/<claimOwner>.json} <em>before</em> the conditional completion, which then
 * stores only the key ({@code resultRef}); {@link #read} gets it back for {@code GET /v1/jobs/{id}}.
 *
 * <p>The claim owner in the key keeps a losing run (one whose lease lapsed, or a duplicate execution) from ever
 * writing over the object that the winning completion names: each claim writes its own key, and only the key of the
 * claim that completed the job is in the item. The loser's object is an orphan the bucket's lifecycle rule removes.
 */
public final class ResultSpill {
    private static final Logger log = LoggerFactory.getLogger(ResultSpill.class);
    /**
     * What a job item holds inline. Cost decides it: a completion is written in a transaction (2 write units a KB),
     * so a result inline costs about $1.25 a million jobs per KB, while the object store costs a PUT and a GET
     * (about $5.40 a million) whatever the size; the two meet near 4 KB (docs/cost.md). 16 KiB keeps the common
     * results (math, a classification, an embedding of one to three texts) inline, where reading them needs no
     * second call, and sends the rest to the object store, where a 100 KB result costs a tenth of what it did inline.
     * It was 100 KiB, chosen for DynamoDB's 400 KB item limit alone (which any value here still respects).
     */
    public static final int DEFAULT_THRESHOLD_BYTES = 16 * 1024;
    public static final String RESULT_TOO_LARGE = "result_too_large";
    public static final String OBJECT_STORE_UNAVAILABLE = "object_store_unavailable";

    /** Null where no object store is configured: large results then fail their job with {@value RESULT_TOO_LARGE}. */
    private final ObjectStore objects;
    private final int thresholdBytes;

    public ResultSpill(ObjectStore objects, int thresholdBytes) {
        if (thresholdBytes <= 0) {
            throw new IllegalArgumentException("thresholdBytes must be positive");
        }
        this.objects = objects;
        this.thresholdBytes = thresholdBytes;
    }

    /** What to do with one job's outcome before the completion. */
    public sealed interface Spilled {
        /** Complete the job with this (the outcome as it was, its result's key, or a result_too_large failure). */
        record Complete(Completion completion) implements Spilled {
        }

        /** The object store failed: do not complete; the message comes back and the job runs again. */
        record Retry(String code, String message) implements Spilled {
        }
    }

    /** What reading a stored result came to. */
    public sealed interface Read {
        record Found(JsonNode result) implements Read {
        }

        /** No object under the key (deleted, or removed by the lifecycle rule), or not JSON: it will not come back. */
        record Missing(String reason) implements Read {
        }

        /** The object store did not answer, or this deployment has none configured: maybe later. */
        record Unavailable(String reason) implements Read {
        }
    }

    /** The object-store key of a job's large result, as written by the run that holds {@code claimOwner}. */
    public static String resultKey(String tenant, String jobId, String claimOwner) {
        return "results/" + tenant + "/" + jobId + "/" + claimOwner + ".json";
    }

    /** Puts a large success's result in the object store (small ones and failures pass as they are). */
    public Spilled completion(String tenant, String jobId, String claimOwner, Outcome outcome) {
        if (!(outcome instanceof Outcome.Success success)) {
            return new Spilled.Complete(new Completion(jobId, outcome));
        }
        // Written once: the item takes this text as it is, or the object store takes its bytes.
        String text = Json.write(success.result());
        byte[] json = text.getBytes(StandardCharsets.UTF_8);
        if (json.length <= thresholdBytes) {
            return new Spilled.Complete(new Completion(jobId, outcome, null, text));
        }
        if (objects == null) {
            log.warn("jobId={} result of {} bytes and no object store; failing it", jobId, json.length);
            return new Spilled.Complete(new Completion(jobId, Outcome.failure(RESULT_TOO_LARGE, "the result is "
                    + json.length + " bytes; results over " + thresholdBytes + " bytes are kept in the object store,"
                    + " and this worker has none configured (EBB_BUCKET)")));
        }
        String key = resultKey(tenant, jobId, claimOwner);
        try {
            objects.put(key, json);
        } catch (SdkException e) {
            log.warn("result put failed jobId={} key={}: {}", jobId, key, e.toString());
            return new Spilled.Retry(OBJECT_STORE_UNAVAILABLE, "the result (" + json.length
                    + " bytes) could not be put in the object store: " + e.getClass().getSimpleName());
        }
        return new Spilled.Complete(new Completion(jobId, outcome, key));
    }

    /** Reads a result that a completion stored under {@code key}. */
    public Read read(String key) {
        if (objects == null) {
            return new Read.Unavailable("the result is in the object store and this deployment has none configured"
                    + " (EBB_BUCKET)");
        }
        try {
            Optional<byte[]> bytes = objects.get(key);
            if (bytes.isEmpty()) {
                return new Read.Missing("the result object " + key
                        + " is no longer in the object store (deleted or expired)");
            }
            return new Read.Found(Json.MAPPER.readTree(bytes.get()));
        } catch (IOException e) {
            return new Read.Missing("the result object " + key + " is not JSON");
        } catch (SdkException e) {
            log.warn("result read failed key={}: {}", key, e.toString());
            return new Read.Unavailable("the object store is not reachable; retry later");
        }
    }
}
