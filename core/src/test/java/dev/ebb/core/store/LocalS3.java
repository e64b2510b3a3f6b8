package dev.ebb.core.store;

import dev.ebb.core.testing.TestS3;
import software.amazon.awssdk.services.s3.S3Client;

/** The test JVM's S3-compatible server (see {@link TestS3}) and a path-style client for it. */
final class LocalS3 {
    static final String BUCKET = TestS3.BUCKET;
    static final S3Client S3 = TestS3.client();

    private LocalS3() {
    }
}
