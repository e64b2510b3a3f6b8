package dev.ebb.core.store;

import java.util.Optional;

/**
 * Bytes by key in an S3-compatible bucket: where inputs too large for a queue message go. Keys are plain
 * {@code /}-separated paths such as {@code inputs/<tenant>/<jobId>/<requestHash>.json}.
 *
 * <p>Calls throw the SDK's exceptions when the store cannot be reached; callers decide whether that is a retry.
 */
public interface ObjectStore {
    void put(String key, byte[] bytes);

    /** The object's bytes, or empty when there is no object under {@code key}. */
    Optional<byte[]> get(String key);

    /** Removes the object; removing a missing one is not an error. */
    void delete(String key);
}
