package dev.ebb.infra;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;

/**
 * The object store: uploads (each object under {@value #UPLOADS_PREFIX} becomes a job) and, later, large inputs
 * and results. Encrypted, no public access, TLS only, versioned (a version id makes each upload's idempotency key
 * unique), uploads and old versions expire. Server access logs go to a second bucket.
 */
public final class DataBucket extends Construct {
    public static final String UPLOADS_PREFIX = "uploads/";
    /** Inputs too large for a queue message (written by submit and upload, read by the runners). */
    public static final String INPUTS_PREFIX = "inputs/";
    /** Results too large for a job item (written by the runners before the completion, read by the get function). */
    public static final String RESULTS_PREFIX = "results/";

    /**
     * @param uploadsExpiry how long an uploaded object is kept after it became a job
     * @param retain        keep the bucket when the stack is deleted
     */
    public record Props(Duration uploadsExpiry, boolean retain) {
    }

    private final Bucket bucket;
    private final Bucket accessLogs;

    public DataBucket(Construct scope, String id, Props props) {
        super(scope, id);
        RemovalPolicy removal = props.retain() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
        this.accessLogs = Bucket.Builder.create(this, "AccessLogs")
                // Server access logs can only be delivered to an SSE-S3 bucket.
                .encryption(BucketEncryption.S3_MANAGED)
                .versioned(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_PREFERRED)
                .lifecycleRules(List.of(LifecycleRule.builder().id("expire-logs").expiration(Duration.days(90))
                        .noncurrentVersionExpiration(Duration.days(1)).build()))
                .removalPolicy(removal)
                .build();
        this.bucket = Bucket.Builder.create(this, "Bucket")
                // SSE-KMS with the AWS-managed key (no monthly key charge); bucket keys keep KMS calls rare.
                .encryption(BucketEncryption.KMS_MANAGED)
                .bucketKeyEnabled(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .versioned(true)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .serverAccessLogsBucket(accessLogs)
                .serverAccessLogsPrefix("data/")
                .lifecycleRules(List.of(
                        LifecycleRule.builder().id("expire-uploads").prefix(UPLOADS_PREFIX)
                                .expiration(props.uploadsExpiry()).build(),
                        // Needed until the job ends or expires (EBB_JOB_TTL_SECONDS, 14 days by default).
                        LifecycleRule.builder().id("expire-inputs").prefix(INPUTS_PREFIX)
                                .expiration(Duration.days(15)).build(),
                        // Served while the job lives (EBB_RESULT_TTL_SECONDS, 1 day by default): the item goes first.
                        LifecycleRule.builder().id("expire-results").prefix(RESULTS_PREFIX)
                                .expiration(Duration.days(3)).build(),
                        LifecycleRule.builder().id("expire-old-versions")
                                .noncurrentVersionExpiration(Duration.days(1)).build(),
                        LifecycleRule.builder().id("abort-incomplete-multipart")
                                .abortIncompleteMultipartUploadAfter(Duration.days(1)).build()))
                .removalPolicy(removal)
                .build();
    }

    public Bucket bucket() {
        return bucket;
    }

    public Bucket accessLogs() {
        return accessLogs;
    }
}
