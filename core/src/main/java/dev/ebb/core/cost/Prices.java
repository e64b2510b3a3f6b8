package dev.ebb.core.cost;

/**
 * AWS list prices (on-demand, us-east-1, US dollars) that a job's cost is computed at. A dated table: prices change,
 * so {@link #AS_OF} says as of when, and docs/cost.md repeats them. Free tiers are left out (they end, and they are
 * per account, not per job).
 *
 * @param apiRequest         API Gateway HTTP API, per request (first 300 million a month)
 * @param lambdaRequest      Lambda, per invocation
 * @param lambdaGbSecond     Lambda on arm64 (Graviton), per GB-second of duration
 * @param sqsRequest         SQS standard queue, per request (each 64 KB of a payload is a request)
 * @param writeUnit          DynamoDB on-demand, per write request unit (1 KB; 2 units a KB in a transaction)
 * @param readUnit           DynamoDB on-demand, per read request unit (4 KB strongly consistent)
 * @param s3Put              S3 Standard, per PUT/COPY/POST/LIST request
 * @param s3Get              S3 Standard, per GET request
 * @param gpuWorkerSecond    one gpu worker (the CDK stack's default g5.xlarge, on demand), per second
 * @param logIngestGb        CloudWatch Logs ingestion, per GB (what EMF lines and log lines cost)
 */
public record Prices(double apiRequest, double lambdaRequest, double lambdaGbSecond, double sqsRequest,
                     double writeUnit, double readUnit, double s3Put, double s3Get, double gpuWorkerSecond,
                     double logIngestGb) {

    /**
     * The date of the table below (us-east-1, on demand, no free tier): the prices docs/deploy.md uses, the g5.xlarge
     * one checked against a June 2026 listing, the rest AWS's standing list prices. Not fetched live.
     */
    public static final String AS_OF = "2026-06-01";

    /** The instance type whose hourly price {@link #gpuWorkerSecond} is. */
    public static final String GPU_INSTANCE = "g5.xlarge";

    public static final Prices US_EAST_1 = new Prices(
            1.00 / 1_000_000,          // API Gateway HTTP API: $1.00 per million requests
            0.20 / 1_000_000,          // Lambda: $0.20 per million requests
            0.0000133334,              // Lambda arm64: $0.0000133334 per GB-second
            0.40 / 1_000_000,          // SQS standard: $0.40 per million requests
            0.625 / 1_000_000,         // DynamoDB on demand: $0.625 per million write request units
            0.125 / 1_000_000,         // DynamoDB on demand: $0.125 per million read request units
            0.005 / 1_000,             // S3 Standard: $0.005 per 1,000 PUT requests
            0.0004 / 1_000,            // S3 Standard: $0.0004 per 1,000 GET requests
            1.006 / 3600,              // EC2 g5.xlarge on demand: $1.006 an hour
            0.50);                     // CloudWatch Logs: $0.50 per GB ingested
}
