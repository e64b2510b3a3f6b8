package dev.ebb.core.task;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The tasks a deployment knows, by name. The submit side registers contracts ({@link TaskSpec}) to validate
 * input; a worker registers the {@link Task}s it can run.
 */
public final class TaskRegistry {
    private final Map<String, TaskSpec> tasks;

    private TaskRegistry(Map<String, TaskSpec> tasks) {
        this.tasks = Map.copyOf(tasks);
    }

    public static TaskRegistry of(TaskSpec... tasks) {
        Map<String, TaskSpec> byName = new LinkedHashMap<>();
        for (TaskSpec task : tasks) {
            if (byName.putIfAbsent(task.name(), task) != null) {
                throw new IllegalArgumentException("two tasks named '" + task.name() + "'");
            }
        }
        return new TaskRegistry(byName);
    }

    /** The contract of a task, whether or not this process can run it. */
    public Optional<TaskSpec> find(String name) {
        return Optional.ofNullable(tasks.get(name));
    }

    /** The task, if this process can run it. */
    public Optional<Task> runnable(String name) {
        return tasks.get(name) instanceof Task task ? Optional.of(task) : Optional.empty();
    }

    public Collection<String> names() {
        return tasks.keySet().stream().sorted().toList();
    }
}
