package dev.ebb.core.task;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The tasks a deployment knows, by name. */
public final class TaskRegistry {
    private final Map<String, Task> tasks;

    private TaskRegistry(Map<String, Task> tasks) {
        this.tasks = Map.copyOf(tasks);
    }

    public static TaskRegistry of(Task... tasks) {
        Map<String, Task> byName = new LinkedHashMap<>();
        for (Task task : tasks) {
            if (byName.putIfAbsent(task.name(), task) != null) {
                throw new IllegalArgumentException("two tasks named '" + task.name() + "'");
            }
        }
        return new TaskRegistry(byName);
    }

    public Optional<Task> find(String name) {
        return Optional.ofNullable(tasks.get(name));
    }

    public Collection<String> names() {
        return tasks.keySet().stream().sorted().toList();
    }
}
