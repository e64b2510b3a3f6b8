package dev.ebb.core.upload;

import dev.ebb.core.Digests;
import dev.ebb.core.auth.ApiKeys;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Where an upload lands and what it asks for: {@code uploads/<tenant>/<task>/<name>} in the data bucket. The key
 * grammar of the upload path, in one place for the upload handler (which reads keys) and anything that hands out
 * places to upload to (which writes them).
 *
 * @param name the rest of the key after the task: any non-empty text, slashes included
 */
public record UploadKey(String tenant, String task, String name) {
    /** Where uploads land; the rest of the bucket (large inputs, results) is not theirs. */
    public static final String PREFIX = "uploads/";

    public UploadKey {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(name, "name");
    }

    /** Why a key is not an upload: a stable code and a message. */
    public static final class InvalidKeyException extends RuntimeException {
        private final String code;

        InvalidKeyException(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * Reads a stored (decoded) object key.
     *
     * @throws InvalidKeyException {@code invalid_key} for a key not of the grammar, {@code invalid_tenant} for a
     *                             tenant that cannot exist
     */
    public static UploadKey parse(String key) {
        String[] parts = key != null && key.startsWith(PREFIX) ? key.substring(PREFIX.length()).split("/", 3)
                : new String[0];
        if (parts.length != 3 || parts[2].isEmpty()) {
            throw new InvalidKeyException("invalid_key", "object key must look like uploads/<tenant>/<task>/<name>");
        }
        if (!ApiKeys.isValidTenant(parts[0])) {
            throw new InvalidKeyException("invalid_tenant",
                    "tenant in the key is not valid: " + ApiKeys.describeTenantRule());
        }
        return new UploadKey(parts[0], parts[1], parts[2]);
    }

    /** The object key. */
    public String key() {
        return PREFIX + tenant + "/" + task + "/" + name;
    }

    /**
     * The idempotency key of one version of one object: the same object version (or, in an unversioned bucket, the
     * same content) always gives the same key, so an event delivered twice finds the first job. Fits the shape
     * {@code POST /v1/jobs} accepts.
     *
     * @param versionId the object's version id, or null/empty where the bucket is not versioned
     * @param eTag      the object's ETag (quotes are ignored), used without a version id
     */
    public static String idempotencyKey(String bucket, String key, String versionId, String eTag) {
        String version = versionId != null && !versionId.isEmpty()
                ? "v:" + versionId
                : "e:" + (eTag == null ? "" : eTag.replace("\"", ""));
        byte[] digest = Digests.sha256(bucket + "\0" + key + "\0" + version);
        return "s3-" + HexFormat.of().formatHex(digest);
    }
}
