package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3ObjectEntity;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Digests;
import dev.ebb.core.Json;
import dev.ebb.core.Utf8;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.auth.ApiKeys;
import dev.ebb.core.job.DynamoDbJobListing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * S3 {@code ObjectCreated} events: each object under {@code uploads/<tenant>/<task>/<name>} becomes one job of that
 * tenant and task, submitted through the same {@link JobService} as {@code POST /v1/jobs}, so validation, limits
 * and idempotency are the API's, and marked with the object's key, so {@code GET /v1/jobs?uploadKey=} finds it. The object's body is the task input: a JSON object as it is, anything else as
 * UTF-8 text {@code {"text": body}}.
 *
 * <p>S3 may deliver an event more than once, so the idempotency key is derived from bucket, key and version id (or
 * ETag when the bucket is unversioned): a second delivery finds the first job. An object that cannot become a job
 * (bad key, too large, not UTF-8, invalid input) is skipped with a logged reason; throwing would only make Lambda
 * retry an object that can never succeed. A failure of the store, queue or object read is thrown, so Lambda
 * retries the whole event, and the jobs already created are found again by their keys.
 */
public final class UploadHandler implements RequestHandler<S3Event, String> {
    /** The data bucket's name; events from any other bucket are refused. Unset, any bucket is accepted. */
    public static final String BUCKET = "EBB_BUCKET";
    /** Where uploads land; the rest of the bucket (large inputs, results) is not for this handler. */
    static final String PREFIX = "uploads/";

    private static final Logger log = LoggerFactory.getLogger(UploadHandler.class);

    private final S3Client s3;
    private final JobService jobs;
    private final int maxObjectBytes;
    private final String bucket;
    private final DynamoDbJobListing listing;

    public UploadHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud: collaborators from the given factory. */
    public UploadHandler(DependencyFactory factory) {
        this(factory.s3(), factory.jobService(), factory.settings().limits().maxInputBytes(),
                factory.environment().get(BUCKET), factory.jobListing());
    }

    /**
     * @param bucket  the only bucket whose events are served, or null for any
     * @param listing marks each job with the key of the object it came from ({@code GET /v1/jobs?uploadKey=})
     */
    UploadHandler(S3Client s3, JobService jobs, int maxObjectBytes, String bucket, DynamoDbJobListing listing) {
        this.s3 = s3;
        this.jobs = jobs;
        this.maxObjectBytes = maxObjectBytes;
        this.bucket = bucket;
        this.listing = listing;
    }

    /** One object's fate: a job (new, or found again) or a refusal with its reason. */
    sealed interface Result {
        record Accepted(String jobId, boolean replay) implements Result {
        }

        record Refused(String code, String reason) implements Result {
        }
    }

    @Override
    public String handleRequest(S3Event event, Context context) {
        List<S3EventNotificationRecord> records = event == null || event.getRecords() == null
                ? List.of() : event.getRecords();
        int accepted = 0;
        int refused = 0;
        for (S3EventNotificationRecord record : records) {
            if (handle(record) instanceof Result.Accepted) {
                accepted++;
            } else {
                refused++;
            }
        }
        return "accepted=" + accepted + " refused=" + refused;
    }

    Result handle(S3EventNotificationRecord record) {
        if (record == null || record.getS3() == null || record.getS3().getObject() == null
                || record.getS3().getBucket() == null) {
            return refuse(null, null, "invalid_event", "record has no bucket or object");
        }
        String bucket = record.getS3().getBucket().getName();
        S3ObjectEntity object = record.getS3().getObject();
        if (this.bucket != null && !this.bucket.equals(bucket)) {
            return refuse(bucket, object.getKey(), "unexpected_bucket", "events are served for " + this.bucket + " only");
        }
        Optional<String> decoded = decodeKey(object.getKey());
        if (decoded.isEmpty()) {
            return refuse(bucket, object.getKey(), "invalid_key", "object key is not valid URL encoding");
        }
        String key = decoded.get();
        String[] parts = key.startsWith(PREFIX) ? key.substring(PREFIX.length()).split("/", 3) : new String[0];
        if (parts.length != 3 || parts[2].isEmpty()) {
            return refuse(bucket, key, "invalid_key", "object key must look like uploads/<tenant>/<task>/<name>");
        }
        String tenant = parts[0];
        String task = parts[1];
        if (!ApiKeys.isValidTenant(tenant)) {
            return refuse(bucket, key, "invalid_tenant", "tenant in the key is not valid: " + ApiKeys.describeTenantRule());
        }
        Long size = object.getSizeAsLong();
        if (size != null && size > maxObjectBytes) {
            return refuse(bucket, key, "object_too_large",
                    "object is " + size + " bytes; the limit is " + maxObjectBytes);
        }
        Optional<byte[]> body = read(bucket, key, object.getVersionId());
        if (body.isEmpty()) {
            return refuse(bucket, key, "object_gone", "object was deleted before it could be read");
        }
        if (body.get().length > maxObjectBytes) {
            return refuse(bucket, key, "object_too_large", "object is over " + maxObjectBytes + " bytes");
        }
        Optional<String> text = Utf8.decode(body.get());
        if (text.isEmpty()) {
            return refuse(bucket, key, "invalid_encoding", "object is not UTF-8 text");
        }
        Optional<JsonNode> input = input(text.get());
        if (input.isEmpty()) {
            return refuse(bucket, key, "invalid_json", "object starts with '{' but is not one valid JSON object");
        }
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("task", task);
        request.set("input", input.get());
        request.put("idempotencyKey", idempotencyKey(bucket, key, object));
        try {
            JobService.Submitted submitted = jobs.submit(tenant, Json.write(request));
            // Also on a replay: a run that died between the two writes left the job unmarked.
            listing.markUpload(submitted.job().jobId(), key);
            log.info("upload accepted: bucket={} key={} jobId={} replay={}", bucket, key, submitted.job().jobId(),
                    submitted.replay());
            return new Result.Accepted(submitted.job().jobId(), submitted.replay());
        } catch (ApiException e) {
            if (e.status() >= 500) {
                // Nothing was accepted; Lambda retries the event and the key finds any job made before.
                throw new IllegalStateException("upload " + key + " not accepted: " + e.code() + ": " + e.getMessage(), e);
            }
            return refuse(bucket, key, e.code(), e.getMessage());
        }
    }

    /**
     * The key as stored. Event keys are form-encoded: {@code +} is a space, a real plus is {@code %2B}, so
     * {@link URLDecoder} is the right decoder; malformed escapes are refused rather than thrown.
     */
    static Optional<String> decodeKey(String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(URLDecoder.decode(encoded, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Same object (bucket, key, version, or content when unversioned) → same key → same job. Fits
     * {@code SubmitRequest}'s idempotency key shape.
     */
    static String idempotencyKey(String bucket, String key, S3ObjectEntity object) {
        String version = object.getVersionId() != null && !object.getVersionId().isEmpty()
                ? "v:" + object.getVersionId()
                : "e:" + (object.geteTag() == null ? "" : object.geteTag().replace("\"", ""));
        byte[] digest = Digests.sha256(bucket + "\0" + key + "\0" + version);
        return "s3-" + HexFormat.of().formatHex(digest);
    }

    private Optional<byte[]> read(String bucket, String key, String versionId) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> {
            r.bucket(bucket).key(key);
            if (versionId != null && !versionId.isEmpty()) {
                r.versionId(versionId);
            }
        })) {
            // One byte past the limit is enough to know the object is too large, whatever the event said.
            return Optional.of(in.readNBytes(maxObjectBytes + 1));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + key + " failed", e);
        }
    }

    private static Optional<JsonNode> input(String text) {
        if (!text.stripLeading().startsWith("{")) {
            return Optional.of(Json.MAPPER.createObjectNode().put("text", text));
        }
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static Result refuse(String bucket, String key, String code, String reason) {
        log.warn("upload refused: bucket={} key={} code={} reason={}", bucket, key, code, reason);
        return new Result.Refused(code, reason);
    }
}
