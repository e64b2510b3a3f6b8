package dev.ebb.local.runtime;

import software.amazon.awssdk.regions.Region;

/** The local cloud accepts any credentials; the SDK still wants some. */
public final class LocalClients {
    public static final Region REGION = Region.US_EAST_1;

    private LocalClients() {
    }

    /** Sets placeholder credentials for this process unless real ones are configured. */
    public static void useLocalCredentials() {
        if (System.getenv("AWS_ACCESS_KEY_ID") == null && System.getProperty("aws.accessKeyId") == null) {
            System.setProperty("aws.accessKeyId", "local");
            System.setProperty("aws.secretAccessKey", "local");
        }
    }
}
