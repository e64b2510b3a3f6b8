package dev.ebb.core.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.upload.UploadKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * {@code POST /v1/uploads {task, filename}}: a presigned PUT URL for a new object under the tenant's upload prefix,
 * {@code uploads/<tenant>/<task>/<random>-<filename>} ({@link UploadKey}), so a client uploads without bucket credentials and the
 * object becomes a job of that task (the upload function, or locally the upload poller, sees it). An unknown task
 * or a file name that is not a plain name (a path, dot segments, control characters) is a 400.
 */
public final class UploadUrls {
    /** How long a presigned URL is good for. */
    public static final Duration VALIDITY = Duration.ofMinutes(15);
    /** A plain file name: no path separators or dot segments, starting with a letter or digit. */
    private static final Pattern FILENAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final int MAX_BODY_CHARS = 4096;

    private final S3Presigner presigner;
    private final String bucket;
    private final TaskRegistry tasks;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public UploadUrls(S3Presigner presigner, String bucket, TaskRegistry tasks, Clock clock) {
        this.presigner = presigner;
        this.bucket = bucket;
        this.tasks = tasks;
        this.clock = clock;
    }

    public ObjectNode presign(String tenant, String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("invalid_request", "body must be a JSON object {\"task\", \"filename\"}");
        }
        if (body.length() > MAX_BODY_CHARS) {
            throw ApiException.badRequest("invalid_request", "body is longer than " + MAX_BODY_CHARS + " characters");
        }
        JsonNode request;
        try {
            request = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "body is not valid JSON");
        }
        if (request == null || !request.isObject()) {
            throw ApiException.badRequest("invalid_request", "body must be a JSON object {\"task\", \"filename\"}");
        }
        if (!request.path("task").isTextual() || request.path("task").asText().isEmpty()) {
            throw ApiException.badRequest("missing_task", "task is required (known: " + String.join(", ", tasks.names()) + ")");
        }
        String task = request.path("task").asText();
        if (tasks.find(task).isEmpty()) {
            throw ApiException.badRequest("unknown_task",
                    "unknown task '" + task + "' (known: " + String.join(", ", tasks.names()) + ")");
        }
        if (!request.path("filename").isTextual()) {
            throw ApiException.badRequest("missing_filename", "filename is required");
        }
        String filename = request.path("filename").asText();
        if (!FILENAME.matcher(filename).matches() || filename.contains("..")) {
            throw ApiException.badRequest("invalid_filename", "filename must be a plain name of 1 to 200 letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit, without '..' or a path");
        }
        String key = new UploadKey(tenant, task, HexFormat.of().formatHex(randomBytes()) + "-" + filename).key();
        PresignedPutObjectRequest presigned = presigner.presignPutObject(p -> p
                .signatureDuration(VALIDITY)
                .putObjectRequest(put -> put.bucket(bucket).key(key)));
        return Json.MAPPER.createObjectNode()
                .put("key", key)
                .put("url", presigned.url().toString())
                .put("method", "PUT")
                .put("expiresAt", clock.instant().plus(VALIDITY).toString());
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return bytes;
    }
}
