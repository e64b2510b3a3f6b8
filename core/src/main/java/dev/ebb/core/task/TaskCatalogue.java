package dev.ebb.core.task;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The one list of tasks: every {@link TaskProvider} on the class path, read through {@link ServiceLoader}. The
 * submit side takes the {@link #contracts} (to validate and route), a worker takes the contracts with the runners
 * its modules contribute for its lane ({@link #forWorker}). A runner for a task nobody declared, a runner on the
 * wrong lane, or two declarations of one name fail at start, with the names.
 */
public final class TaskCatalogue {

    private TaskCatalogue() {
    }

    /** Every declared task, as the submit side needs it. */
    public static TaskRegistry contracts(Map<String, String> env) {
        return contracts(env, TaskCatalogue.class.getClassLoader());
    }

    /** {@link #contracts(Map)} of the providers {@code loader} finds. */
    public static TaskRegistry contracts(Map<String, String> env, ClassLoader loader) {
        return TaskRegistry.of(declared(providers(loader), env).values().toArray(TaskSpec[]::new));
    }

    /** Every declared task, with the runners this process's modules contribute to a worker of {@code lane}. */
    public static TaskRegistry forWorker(Map<String, String> env, Lane lane) {
        return forWorker(env, lane, TaskCatalogue.class.getClassLoader());
    }

    /** {@link #forWorker(Map, Lane)} of the providers {@code loader} finds. */
    public static TaskRegistry forWorker(Map<String, String> env, Lane lane, ClassLoader loader) {
        List<TaskProvider> providers = providers(loader);
        Map<String, TaskSpec> tasks = declared(providers, env);
        Set<String> withRunner = new HashSet<>();
        for (TaskProvider provider : providers) {
            for (Task runner : provider.runners(env, lane)) {
                TaskSpec contract = tasks.get(runner.name());
                if (contract == null) {
                    throw new IllegalStateException(provider.getClass().getName() + " contributes a runner for task '"
                            + runner.name() + "', which no provider declares");
                }
                if (contract.lane() != runner.lane()) {
                    throw new IllegalStateException("the runner of task '" + runner.name() + "' is for the "
                            + runner.lane().id() + " lane; its contract says " + contract.lane().id());
                }
                if (!withRunner.add(runner.name())) {
                    throw new IllegalStateException("task '" + runner.name() + "' has two runners");
                }
                tasks.put(runner.name(), runner);
            }
        }
        return TaskRegistry.of(tasks.values().toArray(TaskSpec[]::new));
    }

    private static Map<String, TaskSpec> declared(List<TaskProvider> providers, Map<String, String> env) {
        Map<String, TaskSpec> byName = new LinkedHashMap<>();
        for (TaskProvider provider : providers) {
            for (TaskSpec contract : provider.contracts(env)) {
                TaskSpec earlier = byName.putIfAbsent(contract.name(), contract);
                if (earlier != null) {
                    throw new IllegalStateException("task '" + contract.name() + "' is declared twice: by "
                            + earlier.getClass().getName() + " and " + contract.getClass().getName());
                }
            }
        }
        return byName;
    }

    private static List<TaskProvider> providers(ClassLoader loader) {
        List<TaskProvider> providers = new ArrayList<>();
        ServiceLoader.load(TaskProvider.class, loader).forEach(providers::add);
        if (providers.isEmpty()) {
            throw new IllegalStateException("no TaskProvider on the class path (META-INF/services is missing from "
                    + "the build)");
        }
        return providers;
    }
}
