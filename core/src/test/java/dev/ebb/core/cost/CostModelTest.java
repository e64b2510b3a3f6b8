package dev.ebb.core.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ebb.core.task.Lane;
import org.junit.jupiter.api.Test;

class CostModelTest {
    private final CostModel model = CostModel.standard();
    private final Prices p = Prices.US_EAST_1;

    @Test
    void cost_ofASmallGpuJobInABatchOf32_countsEachCallAtItsListPrice() {
        // 100-byte input, 8 KB result inline, batch of 32 sharing 96 ms of model time, submit 20 ms.
        JobCost cost = model.cost(new JobUsage(Lane.GPU, 100, true, 8_000, true, 32, 96, 32, 20, 1));

        assertThat(cost.api()).isEqualTo(p.apiRequest());
        // one invocation of 1 GB for 20 ms
        assertThat(cost.lambda()).isCloseTo(p.lambdaRequest() + p.lambdaGbSecond() * 0.020, within(1e-15));
        // send, and 2 calls (receive, delete) shared by 32
        assertThat(cost.sqs()).isCloseTo(p.sqsRequest() * (1 + 2.0 / 32), within(1e-15));
        // create 1 + index items 2 + claim 2 (transaction) + queued index delete 1 + completion 2 x 9 KB
        assertThat(cost.dynamoDb()).isCloseTo(p.writeUnit() * (1 + 2 + 2 + 1 + 2 * 9), within(1e-15));
        assertThat(cost.s3()).isZero();
        assertThat(cost.compute()).isCloseTo(p.gpuWorkerSecond() * 0.096 / 32, within(1e-15));
        assertThat(cost.total()).isCloseTo(cost.plumbing() + cost.compute(), within(1e-18));
    }

    @Test
    void cost_ofAHundredKilobyteResult_isCheaperInTheObjectStoreThanInline() {
        JobCost inline = model.cost(new JobUsage(Lane.GPU, 100, true, 100_000, true, 32, 96, 32, 20, 1));
        JobCost spilled = model.cost(new JobUsage(Lane.GPU, 100, true, 100_000, false, 32, 96, 32, 20, 1));

        // inline: the completion writes ~98 KB twice (a transaction): ~196 write units
        assertThat(inline.dynamoDb()).isGreaterThan(p.writeUnit() * 190);
        assertThat(spilled.dynamoDb() + spilled.s3()).isLessThan(inline.dynamoDb() / 10);
    }

    @Test
    void cost_ofACpuLaneJob_chargesTheFunctionsShareInsteadOfAGpu() {
        JobCost cost = model.cost(new JobUsage(Lane.CPU, 50, true, 50, true, 10, 5, 10, 10, 1));

        assertThat(cost.compute()).isCloseTo(p.lambdaGbSecond() * 0.005 / 10, within(1e-15));
        assertThat(cost.lambda()).isCloseTo(p.lambdaRequest() * 1.1 + p.lambdaGbSecond() * 0.010, within(1e-15));
    }

    @Test
    void asMap_andFromMap_keepEveryService() {
        JobCost cost = new JobCost(1, 2, 3, 4, 5, 6);
        assertThat(JobCost.fromMap(cost.asMap())).isEqualTo(cost);
        assertThat(cost.asMap()).containsEntry("plumbing", 15.0).containsEntry("total", 21.0);
    }
}
