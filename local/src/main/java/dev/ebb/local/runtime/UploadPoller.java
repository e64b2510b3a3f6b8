package dev.ebb.local.runtime;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.RequestParametersEntity;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.ResponseElementsEntity;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3BucketEntity;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3Entity;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3ObjectEntity;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.UserIdentityEntity;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.upload.UploadKey;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The local cloud's stand-in for S3 event notifications, which its object store (S3Mock) does not send: every
 * {@value #INTERVAL_MS} ms it lists {@code uploads/} and hands each object it has not seen — by key and ETag, so a
 * new version of a key counts — to the upload handler as the {@code ObjectCreated:Put} event S3 would deliver, one
 * record per event, as Lambda gets them.
 *
 * <p>What it has handed over is kept in a file under the data folder (owner-only), written after each handover, so
 * objects that arrive while {@code ebb up} is down are picked up when it starts, and old ones are never handed over
 * again. On the very first start (no file yet) the objects already there are recorded without handing them over.
 * A handler that throws (a backing service down) leaves the object for the next round, after a growing pause, as
 * Lambda retries an event; a handler that refuses an object (bad key, unknown task, not text) has handled it.
 */
public final class UploadPoller implements AutoCloseable {
    public static final String STATE_FILE = "uploads-seen.json";
    static final long INTERVAL_MS = 250;
    private static final Logger log = LoggerFactory.getLogger(UploadPoller.class);

    private final S3Client s3;
    private final String bucket;
    private final Path stateFile;
    private final RequestHandler<S3Event, String> handler;
    private final Map<String, String> seen = new HashMap<>();
    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("upload-poller").daemon().factory());
    private int failures;
    private long pausedUntilNanos;

    UploadPoller(S3Client s3, String bucket, Path dataDir, RequestHandler<S3Event, String> handler) {
        this.s3 = s3;
        this.bucket = bucket;
        this.stateFile = dataDir.resolve(STATE_FILE);
        this.handler = handler;
    }

    /** Loads what was handed over before (or records the bucket's objects on a first start), then polls. */
    UploadPoller start() {
        if (Files.exists(stateFile)) {
            load();
        } else {
            for (S3Object object : list()) {
                seen.put(object.key(), etag(object));
            }
            save();
            if (!seen.isEmpty()) {
                log.info("upload poller: {} objects were under {} before its first start; not handed over",
                        seen.size(), UploadKey.PREFIX);
            }
        }
        executor.scheduleWithFixedDelay(this::pollSafely, 0, INTERVAL_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pollSafely() {
        if (System.nanoTime() - pausedUntilNanos < 0) {
            return;
        }
        try {
            poll();
            failures = 0;
        } catch (RuntimeException e) {
            failures++;
            long pauseMs = Math.min(30_000, INTERVAL_MS << Math.min(failures, 7));
            pausedUntilNanos = System.nanoTime() + Duration.ofMillis(pauseMs).toNanos();
            log.warn("upload poller: round failed ({}); next try in {} ms", e.toString(), pauseMs);
        }
    }

    /** One round: hand over every new object, then forget objects that are gone. */
    void poll() {
        List<S3Object> objects = list();
        Set<String> present = new HashSet<>();
        for (S3Object object : objects) {
            present.add(object.key());
            String etag = etag(object);
            if (etag.equals(seen.get(object.key()))) {
                continue;
            }
            String outcome = handler.handleRequest(event(object, etag), null);
            seen.put(object.key(), etag);
            save();
            log.info("upload poller: key={} etag={} {}", object.key(), etag, outcome);
        }
        if (seen.keySet().retainAll(present)) {
            save();
        }
    }

    private List<S3Object> list() {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(UploadKey.PREFIX)).contents().stream().toList();
    }

    /** The event S3 sends for a put: the key form-encoded as S3 encodes it, the ETag without quotes. */
    private S3Event event(S3Object object, String etag) {
        String encodedKey = URLEncoder.encode(object.key(), StandardCharsets.UTF_8).replace("%2F", "/");
        S3ObjectEntity entity = new S3ObjectEntity(encodedKey, object.size(), etag, null,
                Long.toHexString(System.nanoTime()).toUpperCase());
        S3BucketEntity bucketEntity = new S3BucketEntity(bucket, new UserIdentityEntity("local"),
                "arn:aws:s3:::" + bucket);
        S3EventNotificationRecord record = new S3EventNotificationRecord("us-east-1", "ObjectCreated:Put", "aws:s3",
                Instant.now().toString(), "2.1", new RequestParametersEntity("127.0.0.1"),
                new ResponseElementsEntity("local", UUID.randomUUID().toString()),
                new S3Entity("ebb-uploads", bucketEntity, entity, "1.0"), new UserIdentityEntity("local"));
        return new S3Event(List.of(record));
    }

    private static String etag(S3Object object) {
        return object.eTag() == null ? "" : object.eTag().replace("\"", "");
    }

    private void load() {
        try {
            JsonNode node = Json.MAPPER.readTree(Files.readString(stateFile));
            node.path("seen").properties().forEach(e -> seen.put(e.getKey(), e.getValue().asText()));
        } catch (IOException | RuntimeException e) {
            // Unreadable: start from what the bucket holds now, as on a first start, rather than replay it all.
            log.warn("upload poller: {} is unreadable ({}); recording the objects there now as seen", stateFile,
                    e.toString());
            list().forEach(object -> seen.put(object.key(), etag(object)));
            save();
        }
    }

    private void save() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        ObjectNode keys = node.putObject("seen");
        seen.forEach(keys::put);
        Path temporary = stateFile.resolveSibling(STATE_FILE + ".tmp");
        try {
            Files.writeString(temporary, Json.write(node));
            try {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.move(temporary, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + stateFile, e);
        }
    }
}
