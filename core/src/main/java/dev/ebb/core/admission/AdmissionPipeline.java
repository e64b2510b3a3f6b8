package dev.ebb.core.admission;

import dev.ebb.core.api.Limits;
import dev.ebb.core.store.ObjectStore;
import dev.ebb.core.task.TaskRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The admission steps of a deployment, in their documented order ({@link AdmissionStep.Stage}; within a stage, the
 * built-in steps first, then added ones in the order they were added). Immutable: {@link #with} returns a new
 * pipeline.
 *
 * <p>The built-in steps, in order: task lookup, model check, input validation, input size, idempotency (the job's
 * id and request hash) — all {@code VALIDATE} — and, last, the large-input offload ({@code PREPARE}).
 */
public final class AdmissionPipeline {
    private final List<AdmissionStep> steps;

    private AdmissionPipeline(List<AdmissionStep> steps) {
        List<AdmissionStep> ordered = new ArrayList<>(steps);
        ordered.sort(Comparator.comparing(AdmissionStep::stage)); // stable: keeps the order within a stage
        this.steps = List.copyOf(ordered);
    }

    /**
     * Today's checks for a deployment with these tasks and limits; {@code objects} is where large inputs go, or null
     * where there is no bucket (large inputs are then refused).
     */
    public static AdmissionPipeline standard(TaskRegistry tasks, Limits limits, ObjectStore objects) {
        List<AdmissionStep> steps = new ArrayList<>(List.of(new TaskLookup(tasks), new ModelCheck(),
                new InputValidation(), new InputSize(limits, objects != null), new Idempotency()));
        if (objects != null) {
            steps.add(new LargeInputOffload(objects, limits));
        }
        return new AdmissionPipeline(steps);
    }

    /** This pipeline with {@code step} added at its stage. */
    public AdmissionPipeline with(AdmissionStep step) {
        List<AdmissionStep> more = new ArrayList<>(steps);
        more.add(Objects.requireNonNull(step, "step"));
        return new AdmissionPipeline(more);
    }

    /** Runs the steps in order until one does not pass; {@link Decision#PASS} if all did. */
    public Decision admit(Admission submit) {
        for (AdmissionStep step : steps) {
            Decision decision = step.admit(submit);
            if (!(decision instanceof Decision.Pass)) {
                return decision;
            }
        }
        return Decision.PASS;
    }

    /** The steps in the order they run. */
    public List<AdmissionStep> steps() {
        return steps;
    }
}
