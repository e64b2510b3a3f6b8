package dev.ebb.core.retry;

import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;

/**
 * The retry strategy every AWS client of Ebb is built with, set explicitly rather than left to the SDK's defaults:
 * the standard strategy (throttling and transient errors, such as DynamoDB's ProvisionedThroughputExceeded or
 * an SQS 5xx, are retried), at most 4 attempts, exponential backoff with full jitter from 50 ms up to 2 s for
 * throttling and 1 s otherwise. Bounded, so that a caller's own timeout and the API's answer come first.
 */
public final class SdkRetries {
    public static final int MAX_ATTEMPTS = 4;

    private SdkRetries() {
    }

    public static RetryStrategy strategy() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(MAX_ATTEMPTS)
                .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(50), Duration.ofSeconds(1)))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofSeconds(2)))
                .build();
    }
}
