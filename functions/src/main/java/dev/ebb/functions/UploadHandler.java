package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3ObjectEntity;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.api.SubmitRequest;
import dev.ebb.core.auth.ApiKeyStore;
import dev.ebb.core.upload.UploadContent;
import dev.ebb.core.upload.UploadKey;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.job.DynamoDbJobListing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * S3 {@code ObjectCreated} events: each object under {@code uploads/<tenant>/<task>/<name>} ({@link UploadKey})
 * becomes one job of that tenant and task, submitted as a {@link SubmitRequest} through the same {@link JobService}
 * as {@code POST /v1/jobs}, so admission, limits and idempotency are the API's. The object's body is the task input
 * ({@link UploadContent}): a JSON object as it is, anything else as UTF-8 text {@code {"text": body}}. Each job is
 * marked with the object's key, so {@code GET /v1/jobs?uploadKey=} finds it.
 *
 * <p>S3 may deliver an event more than once, so the idempotency key is derived from bucket, key and version id (or
 * ETag when the bucket is unversioned): a second delivery finds the first job. An object that cannot become a job
 * (bad key, too large, not UTF-8, invalid input) is skipped with a logged reason; throwing would only make Lambda
 * retry an object that can never succeed. A failure of the store, queue or object read is thrown, so Lambda
 * retries the whole event, and the jobs already created are found again by their keys.
 */
public final class UploadHandler implements RequestHandler<S3Event, String> {
    /** The data bucket's name; events from any other bucket are refused. Unset, any bucket is accepted. */
    public static final String BUCKET = Deployment.BUCKET.name();

    private static final Logger log = LoggerFactory.getLogger(UploadHandler.class);

    private final ApiKeyStore tenants;
    private final S3Client s3;
    private final JobService jobs;
    private final int maxObjectBytes;
    private final String bucket;
    private final DynamoDbJobListing listing;
    /** The submit path's metrics (recorded by the job service), written before each invocation returns. */
    private MetricsSink metrics = MetricsSink.NONE;

    public UploadHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud: collaborators from the given factory. */
    public UploadHandler(DependencyFactory factory) {
        this(factory.s3(), factory.jobService(), factory.settings().limits().maxInputBytes(),
                factory.environment().get(BUCKET), factory.jobListing(), factory.apiKeys());
        this.metrics = factory.metrics();
    }

    /**
     * @param bucket  the only bucket whose events are served, or null for any
     * @param listing marks each job with the key of the object it came from ({@code GET /v1/jobs?uploadKey=})
     * @param tenants which tenants exist: an upload under an unknown tenant's prefix makes no job
     */
    UploadHandler(S3Client s3, JobService jobs, int maxObjectBytes, String bucket, DynamoDbJobListing listing,
                  ApiKeyStore tenants) {
        this.tenants = tenants;
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
        try {
            for (S3EventNotificationRecord record : records) {
                if (handle(record) instanceof Result.Accepted) {
                    accepted++;
                } else {
                    refused++;
                }
            }
        } finally {
            metrics.flush();
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
        UploadKey upload;
        try {
            upload = UploadKey.parse(key);
        } catch (UploadKey.InvalidKeyException e) {
            return refuse(bucket, key, e.code(), e.getMessage());
        }
        // Anyone who may put objects under uploads/ could name any tenant: only a tenant with a key gets a job.
        if (!tenants.tenantExists(upload.tenant())) {
            return refuse(bucket, key, "unknown_tenant", "tenant '" + upload.tenant() + "' has no API key");
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
        JsonNode input;
        switch (UploadContent.sniff(body.get())) {
            case UploadContent.Sniffed.Refused(String code, String message) -> {
                return refuse(bucket, key, code, message);
            }
            case UploadContent.Sniffed.Input(JsonNode sniffed) -> input = sniffed;
        }
        try {
            SubmitRequest request = SubmitRequest.of(upload.tenant(), upload.task(), input, null,
                    UploadKey.idempotencyKey(bucket, key, object.getVersionId(), object.geteTag()));
            JobService.Submitted submitted = jobs.submit(request);
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

    private static Result refuse(String bucket, String key, String code, String reason) {
        log.warn("upload refused: bucket={} key={} code={} reason={}", bucket, key, code, reason);
        return new Result.Refused(code, reason);
    }
}
