package dev.ebb.core.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.Function;

/** A cpu-lane task for tests: takes any input as it is and runs {@code batch} on a batch of them. */
public record TestTask(String name, Function<List<JsonNode>, List<Outcome>> batch) implements Task {
    /** A task that answers each input on its own. */
    public static TestTask each(String name, Function<JsonNode, Outcome> each) {
        return new TestTask(name, inputs -> inputs.stream().map(each).toList());
    }

    @Override
    public Lane lane() {
        return Lane.CPU;
    }

    @Override
    public JsonNode validate(JsonNode input) {
        return input;
    }

    @Override
    public List<Outcome> runBatch(List<JobContext> jobs) {
        return batch.apply(JobContext.inputs(jobs));
    }
}
