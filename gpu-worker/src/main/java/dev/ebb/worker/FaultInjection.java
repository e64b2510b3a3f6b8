package dev.ebb.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.config.Env;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskSpec;
import dev.ebb.core.task.TaskRegistry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TEST ONLY: crash points for the fault suite. Inert unless {@value #CRASH_POINTS} or {@value #POISON_TEXT} is set;
 * never set them in a deployment.
 *
 * <p>{@value #CRASH_POINTS} is a comma-separated list of {@code after_receive}, {@code mid_batch} and
 * {@code after_complete_before_delete}; at each listed point the process halts (as SIGKILL would end it, no drain,
 * no shutdown hooks) with probability {@value #CRASH_PROBABILITY} (default 0.01) and an exit code that names the
 * point, so a supervisor can count which points were hit. {@value #POISON_TEXT} makes every job whose input
 * contains that text crash the process when it runs: a poison message, such as an input that makes a model
 * runtime abort.
 */
public final class FaultInjection {
    public static final String CRASH_POINTS = "EBB_FAULT_CRASH_POINT";
    public static final String CRASH_PROBABILITY = "EBB_FAULT_CRASH_PROBABILITY";
    public static final String POISON_TEXT = "EBB_FAULT_POISON_TEXT";
    /** The exit code of a process that ran a poison input. */
    public static final int POISON_EXIT = 84;

    /** Where a crash can be injected; the exit code says which one was hit. */
    public enum Point {
        AFTER_RECEIVE(81), MID_BATCH(82), AFTER_COMPLETE_BEFORE_DELETE(83);

        public final int exitCode;

        Point(int exitCode) {
            this.exitCode = exitCode;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final FaultInjection NONE = new FaultInjection(EnumSet.noneOf(Point.class), 0, null);

    private final Set<Point> points;
    private final double probability;
    private final String poisonText;

    private FaultInjection(Set<Point> points, double probability, String poisonText) {
        this.points = points;
        this.probability = probability;
        this.poisonText = poisonText;
    }

    public static FaultInjection fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        Set<Point> points = EnumSet.noneOf(Point.class);
        for (String id : env.string(CRASH_POINTS, "").split(",")) {
            if (id.isBlank()) {
                continue;
            }
            try {
                points.add(Point.valueOf(id.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new SettingsException(CRASH_POINTS + ": unknown point '" + id.strip()
                        + "' (expected after_receive, mid_batch, after_complete_before_delete)");
            }
        }
        double probability;
        try {
            probability = Double.parseDouble(env.string(CRASH_PROBABILITY, "0.01"));
        } catch (NumberFormatException e) {
            throw new SettingsException(CRASH_PROBABILITY + " is not a number");
        }
        if (!(probability >= 0 && probability <= 1)) {
            throw new SettingsException(CRASH_PROBABILITY + " must be between 0 and 1");
        }
        String poison = env.string(POISON_TEXT, null);
        return points.isEmpty() && poison == null ? NONE : new FaultInjection(points, probability, poison);
    }

    boolean active() {
        return this != NONE;
    }

    /** Halts the process here, with the point's probability, when the point is armed. */
    void at(Point point) {
        if (points.contains(point) && ThreadLocalRandom.current().nextDouble() < probability) {
            halt("injected crash at " + point.id(), point.exitCode);
        }
    }

    /** The tasks, each wrapped to crash at {@code mid_batch} and on poison inputs when those are armed. */
    TaskRegistry wrap(TaskRegistry tasks) {
        if (!active()) {
            return tasks;
        }
        List<TaskSpec> wrapped = new ArrayList<>();
        for (String name : tasks.names()) {
            Optional<Task> runnable = tasks.runnable(name);
            if (runnable.isEmpty()) {
                wrapped.add(tasks.find(name).orElseThrow()); // a contract only: nothing runs here to crash
                continue;
            }
            Task task = runnable.get();
            wrapped.add(new Task() {
                @Override
                public String name() {
                    return task.name();
                }

                @Override
                public Lane lane() {
                    return task.lane();
                }

                @Override
                public JsonNode validate(JsonNode input) throws dev.ebb.core.task.InvalidInputException {
                    return task.validate(input);
                }

                @Override
                public void checkModel(String model) throws dev.ebb.core.task.InvalidInputException {
                    task.checkModel(model);
                }

                @Override
                public int units(JsonNode input) {
                    return task.units(input);
                }

                @Override
                public List<Outcome> runBatch(List<dev.ebb.core.task.JobContext> jobs) {
                    if (poisonText != null && jobs.stream().anyMatch(
                            j -> j.input() != null && j.input().toString().contains(poisonText))) {
                        halt("poison input", POISON_EXIT);
                    }
                    at(Point.MID_BATCH);
                    return task.runBatch(jobs);
                }
            });
        }
        return TaskRegistry.of(wrapped.toArray(TaskSpec[]::new));
    }

    private static void halt(String why, int code) {
        System.err.println("FAULT INJECTION: " + why + "; halting with " + code);
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }
}
