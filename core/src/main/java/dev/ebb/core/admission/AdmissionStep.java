package dev.ebb.core.admission;

/**
 * One check or preparation on the way from a {@link dev.ebb.core.api.SubmitRequest} to a queued job. Steps run in
 * the order of their {@link Stage}s (and, within a stage, in the order they were given), each seeing what the
 * steps before it derived on the {@link Admission}. A step passes, rejects the request (nothing is stored, queued
 * or charged), or answers it with a job that needs no run (a cached result).
 *
 * <p>A step that calls a backing service lets its {@code SdkException} through: the edge answers 503 and nothing
 * was accepted.
 */
@FunctionalInterface
public interface AdmissionStep {

    Decision admit(Admission submit);

    /** Where in the documented order the step runs; see {@link Stage}. */
    default Stage stage() {
        return Stage.VALIDATE;
    }

    /**
     * The order of admission. Authentication comes before all of these, at the edge (the tenant on the request is
     * already known to be real). Cheap checks of the request itself first, then the tenant's switches and request
     * rate, then answers that avoid the run (a cached answer costs no worker and no budget, so neither a budget nor a
     * full lane refuses it, and it reserves nothing), then what a run needs — budget and the lane's capacity — and
     * last what must happen only for a request that will be queued (writing a large input to the object store).
     */
    enum Stage {
        /** The task, its model and input, sizes, and the job's identity (idempotency key and request hash). */
        VALIDATE,
        /** A tenant or the whole service switched off. */
        KILL_SWITCH,
        /** The tenant's requests per second. */
        RATE_LIMIT,
        /** An answer already known: exact, then semantic where safe. */
        CACHE,
        /** The tenant's spend: reserve the estimate. */
        BUDGET,
        /** The lane's backlog against its drain rate. */
        OVERFLOW,
        /** Work for a request that will be queued: a large input goes to the object store. */
        PREPARE
    }
}
