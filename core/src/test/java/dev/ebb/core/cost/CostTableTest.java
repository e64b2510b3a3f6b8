package dev.ebb.core.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.task.Lane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/cost.md's table per 1,000 jobs is what CostModel computes: the figures in the docs cannot drift from the code. */
class CostTableTest {
    /** The scenarios of the table: gpu-lane jobs in batches of 32 sharing 96 ms of model time, a submit of 20 ms. */
    static Map<String, JobUsage> scenarios() {
        Map<String, JobUsage> rows = new LinkedHashMap<>();
        rows.put("embed, 1 text, 5 KB result inline", new JobUsage(Lane.GPU, 40, true, 5000, true, 32, 96, 32, 20, 1));
        rows.put("embed, 12 texts, 60 KB result inline (old default)",
                new JobUsage(Lane.GPU, 500, true, 60000, true, 32, 96, 32, 20, 1));
        rows.put("embed, 12 texts, 60 KB result in S3 (new default)",
                new JobUsage(Lane.GPU, 500, true, 60000, false, 32, 96, 32, 20, 1));
        rows.put("100 KB result inline (old default)", new JobUsage(Lane.GPU, 500, true, 100000, true, 32, 96, 32, 20, 1));
        rows.put("100 KB result in S3 (new default)", new JobUsage(Lane.GPU, 500, true, 100000, false, 32, 96, 32, 20, 1));
        rows.put("math, cpu lane, batch of 10, 5 ms", new JobUsage(Lane.CPU, 60, true, 60, true, 10, 5, 10, 20, 1));
        return rows;
    }

    static String row(String name, JobCost c) {
        return String.format(java.util.Locale.ROOT, "| %s | $%.4f | $%.4f | $%.4f | $%.4f | $%.4f | $%.4f | $%.4f |",
                name, 1000 * c.api(), 1000 * c.lambda(), 1000 * c.sqs(), 1000 * c.dynamoDb(), 1000 * c.s3(),
                1000 * c.plumbing(), 1000 * c.compute());
    }

    @Test
    void docsCostTable_holdsTheModelsFiguresAndThePricesDate() throws Exception {
        Path doc = Files.exists(Path.of("docs/cost.md")) ? Path.of("docs/cost.md") : Path.of("../docs/cost.md");
        String text = Files.readString(doc);
        scenarios().forEach((name, usage) -> assertThat(text).contains(row(name, CostModel.standard().cost(usage))));
        assertThat(text).contains(Prices.AS_OF);
    }

    @Test
    void theNewThreshold_keepsAResultInlineOnlyWhereInlineIsNotTheDearer() {
        CostModel model = CostModel.standard();
        JobUsage atThreshold = new JobUsage(Lane.GPU, 40, true, dev.ebb.core.run.ResultSpill.DEFAULT_THRESHOLD_BYTES,
                true, 32, 96, 32, 20, 1);
        JobUsage spilled = new JobUsage(Lane.GPU, 40, true, dev.ebb.core.run.ResultSpill.DEFAULT_THRESHOLD_BYTES,
                false, 32, 96, 32, 20, 1);
        // Inline at the threshold is dearer than the object store (by under 3x): the threshold trades a little cost
        // on mid-size results for no second call on reads; above it the object store always wins.
        double inline = model.cost(atThreshold).dynamoDb() + model.cost(atThreshold).s3();
        double object = model.cost(spilled).dynamoDb() + model.cost(spilled).s3();
        assertThat(inline).isGreaterThan(object).isLessThan(3 * object);
    }
}
