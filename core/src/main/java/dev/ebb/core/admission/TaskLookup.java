package dev.ebb.core.admission;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TaskSpec;
import java.util.Optional;

/** The request names a task of the catalogue: {@code 400 unknown_task} otherwise, with the known names. */
final class TaskLookup implements AdmissionStep {
    private final TaskRegistry tasks;

    TaskLookup(TaskRegistry tasks) {
        this.tasks = tasks;
    }

    @Override
    public Decision admit(Admission submit) {
        String name = submit.request().task();
        Optional<TaskSpec> task = tasks.find(name);
        if (task.isEmpty()) {
            return Decision.reject(ApiException.badRequest("unknown_task",
                    "unknown task '" + name + "' (known: " + String.join(", ", tasks.names()) + ")"));
        }
        submit.task(task.get());
        return Decision.pass();
    }
}
