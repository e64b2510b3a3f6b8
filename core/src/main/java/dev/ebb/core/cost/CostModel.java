package dev.ebb.core.cost;

import dev.ebb.core.task.Lane;
import java.util.Objects;

/**
 * A job's cost from the calls it makes, at {@link Prices}. The calls are those of docs/architecture.md's "one job,
 * call by call":
 *
 * <ul>
 *   <li>submit: one API request, one invocation of the submit function for as long as the submit took, one
 *       conditional {@code PutItem} of the item (input inline) plus one write to each keys-only index
 *       ({@code byTenant}, {@code queued}), one {@code SendMessage} (a request per 64 KB), and for a large input one
 *       S3 PUT;</li>
 *   <li>each run: a share of one receive and one delete (batched: one call for the batch), a claim
 *       ({@code UpdateItem} in a transaction when the batch holds more than one job: twice the units), the
 *       {@code queued} index's delete, a GET of a large input;</li>
 *   <li>the end: a completion (transactional likewise) of the item with its result inline, or an S3 PUT and the
 *       item with the key;</li>
 *   <li>compute: the batch's model time divided among its jobs, on a gpu worker at its per-second price, or on the
 *       cpu lane's function at its GB-seconds (plus a share of the invocation).</li>
 * </ul>
 *
 * Not counted: the client's polls ({@code GET /v1/jobs/{id}}: an API request, an invocation and a read each; they are
 * the client's choice), empty long polls of an idle worker, and the workers' idle time (the scaler's business: it is
 * on the dashboard as workers running against busy).
 */
public final class CostModel {
    /** The job item's attributes other than input and result (ids, tenant, task, states, times, hashes, lease). */
    public static final int BASE_ITEM_BYTES = 400;
    /** Memory of the submit function and of the cpu lane's function (template.yaml, the CDK stack). */
    public static final int FUNCTION_MEMORY_MB = 1024;
    private static final int SQS_CHUNK = 64 * 1024;

    private final Prices prices;

    public CostModel(Prices prices) {
        this.prices = Objects.requireNonNull(prices, "prices");
    }

    public static CostModel standard() {
        return new CostModel(Prices.US_EAST_1);
    }

    public Prices prices() {
        return prices;
    }

    public JobCost cost(JobUsage u) {
        int runs = Math.max(1, u.runs());
        int batch = Math.max(1, u.batchJobs());
        int group = Math.max(1, u.groupJobs());
        long itemBytes = BASE_ITEM_BYTES + (u.inputInline() ? u.inputBytes() : 64);
        long finalBytes = itemBytes + (u.resultInline() ? u.resultBytes() : 64);
        int transactional = batch > 1 ? 2 : 1;

        double writes = units(itemBytes, 1024) + 2                        // create, byTenant and queued index items
                + runs * (transactional * units(itemBytes, 1024) + 1)     // claims, queued index delete (first)
                + transactional * units(finalBytes, 1024);               // completion
        double reads = 0; // a first delivery reads nothing; a redelivery reads the item once
        if (runs > 1) {
            reads += (runs - 1) * units(itemBytes, 4096);
        }
        double messageBytes = 200 + (u.inputInline() ? u.inputBytes() : 64);
        double sqs = Math.ceil(messageBytes / SQS_CHUNK) + runs * 2.0 / batch; // send; receive and delete, shared

        double s3Puts = (u.inputInline() ? 0 : 1) + (u.resultInline() || u.resultBytes() == 0 ? 0 : 1);
        double s3Gets = (u.inputInline() ? 0 : runs) + (u.resultInline() || u.resultBytes() == 0 ? 0 : 1);

        double gbSeconds = u.submitMillis() > 0 ? FUNCTION_MEMORY_MB / 1024.0 * Math.ceil(u.submitMillis()) / 1000.0
                : 0;
        double invocations = 1;
        double compute;
        double shareMillis = u.modelMillis() / group;
        if (u.lane() == Lane.GPU) {
            compute = prices.gpuWorkerSecond() * shareMillis / 1000.0;
        } else {
            // The cpu lane's function runs the batch: its share of the invocation and of its duration.
            invocations += 1.0 / batch;
            compute = prices.lambdaGbSecond() * FUNCTION_MEMORY_MB / 1024.0 * shareMillis / 1000.0;
        }
        return new JobCost(
                prices.apiRequest(),
                prices.lambdaRequest() * invocations + prices.lambdaGbSecond() * gbSeconds,
                prices.sqsRequest() * sqs,
                prices.writeUnit() * writes + prices.readUnit() * reads,
                prices.s3Put() * s3Puts + prices.s3Get() * s3Gets,
                compute);
    }

    /** DynamoDB's rounding: every started unit of {@code size} bytes counts. */
    static long units(long bytes, int size) {
        return Math.max(1, (bytes + size - 1) / size);
    }
}
