package dev.ebb.core.task;

import java.util.List;
import java.util.Map;

/**
 * Where tasks come from: a module declares its tasks by implementing this and naming the class in
 * {@code META-INF/services/dev.ebb.core.task.TaskProvider}. {@link TaskCatalogue} reads every provider on the class
 * path, so the submit side and the workers see one list and nobody keeps a second one in step.
 *
 * <p>A task is declared once, as a contract ({@link TaskSpec}: name, lane, validation), by exactly one provider;
 * the module where it runs contributes its runner ({@link Task}) of the same name and lane. A task that runs where
 * its contract lives (math) declares a {@link Task} as its contract and needs no separate runner.
 */
public interface TaskProvider {

    /** The task contracts this module declares, configured from the environment (limits such as text counts). */
    List<TaskSpec> contracts(Map<String, String> env);

    /**
     * The runners this module contributes to a worker of {@code lane}; each must match a declared contract's name
     * and lane. A provider returns none for a lane whose workers should not pay for them (a cpu-lane worker loads no
     * model).
     */
    default List<Task> runners(Map<String, String> env, Lane lane) {
        return List.of();
    }
}
