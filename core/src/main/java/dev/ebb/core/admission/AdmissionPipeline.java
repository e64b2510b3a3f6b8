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

    /**
     * Runs the steps in order until one does not pass; {@link Decision#PASS} if all did. A rate token the rate step
     * granted ({@link Admission#tokenPending}) is written by the budget step with its reservation; where that did not
     * happen it is written here, before any step after the budget stage runs (nothing is put in the object store for
     * a request over its rate), at the end, or when a step refuses the request first — a refused request still counts
     * against the limit, and one over the limit is told so first, as the rate step comes before. A step that answers
     * a request must take the token before it writes its answer ({@link ExactCache}): answering with the token still
     * pending is a step's bug and fails loudly.
     */
    public Decision admit(Admission submit) {
        for (AdmissionStep step : steps) {
            if (submit.tokenPending() && step.stage().compareTo(AdmissionStep.Stage.BUDGET) > 0) {
                Decision taken = submit.takePendingToken();
                if (!(taken instanceof Decision.Pass)) {
                    return taken;
                }
            }
            Decision decision = step.admit(submit);
            switch (decision) {
                case Decision.Pass pass -> {
                    continue;
                }
                case Decision.Answer answer when submit.tokenPending() -> throw new IllegalStateException(
                        step.getClass().getSimpleName() + " answered a request without taking its rate token first");
                case Decision.Reject reject when submit.tokenPending() -> {
                    Decision taken = submit.takePendingToken();
                    return taken instanceof Decision.Pass ? decision : taken;
                }
                default -> {
                    return decision;
                }
            }
        }
        return submit.takePendingToken();
    }

    /** The steps in the order they run. */
    public List<AdmissionStep> steps() {
        return steps;
    }
}
