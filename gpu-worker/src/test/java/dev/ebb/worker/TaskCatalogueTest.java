package dev.ebb.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.task.Lane;
import dev.ebb.core.task.TaskCatalogue;
import dev.ebb.core.task.TaskRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worker reads the one catalogue: every task declared for a lane has a runner in that lane's worker. */
class TaskCatalogueTest {

    @Test
    void gpuWorker_runsEveryTaskTheCatalogueDeclares() {
        TaskRegistry declared = TaskCatalogue.contracts(Map.of());
        TaskRegistry worker = WorkerMain.tasks(Map.of(WorkerSettings.LANE, "gpu", dev.ebb.worker.model.ModelSettings.DEVICE, "cpu"));

        assertThat(worker.names()).isEqualTo(declared.names());
        for (String name : declared.names()) {
            if (declared.find(name).orElseThrow().lane() == Lane.LLM) {
                // The llm lane's tasks (chat) run in the chat consumer, with its Bedrock client; never here.
                assertThat(worker.runnable(name)).as("%s in the gpu worker", name).isEmpty();
                continue;
            }
            assertThat(worker.runnable(name)).as("a runner for %s in the gpu worker", name).isPresent();
        }
    }

    @Test
    void cpuWorker_runsTheCpuLanesTasks_andLoadsNoModel() {
        TaskRegistry declared = TaskCatalogue.contracts(Map.of());
        TaskRegistry worker = WorkerMain.tasks(Map.of(WorkerSettings.LANE, "cpu"));

        for (String name : declared.names()) {
            boolean cpuLane = declared.find(name).orElseThrow().lane() == Lane.CPU;
            assertThat(worker.runnable(name).isPresent()).as("%s runnable on the cpu lane", name).isEqualTo(cpuLane);
        }
    }
}
