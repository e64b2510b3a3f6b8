package dev.ebb.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.SubmitRequest;
import dev.ebb.core.task.TaskSpec;
import dev.ebb.core.tenant.ChargeDecision;
import dev.ebb.core.tenant.TenantCharge;
import dev.ebb.core.tenant.TenantStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * One request on its way through admission: what the client asked for, and what the steps so far derived from it
 * (the task's contract, the canonical input, the job's identity, where a large input was put). Each value is set
 * once, by the step that owns it; a step that reads a value no earlier step set has been ordered wrongly and fails
 * loudly.
 */
public final class Admission {
    private final SubmitRequest request;
    private final Instant now;
    private TaskSpec task;
    private JsonNode input;
    private String inputJson;
    private int inputBytes;
    private String requestHash;
    private String jobId;
    private String inputRef;
    private double reserved;
    private java.time.Duration eta;
    private PendingToken pendingToken;
    private final java.util.List<Runnable> undos = new java.util.ArrayList<>();

    public Admission(SubmitRequest request, Instant now) {
        this.request = Objects.requireNonNull(request, "request");
        this.now = Objects.requireNonNull(now, "now");
    }

    public SubmitRequest request() {
        return request;
    }

    public String tenant() {
        return request.tenant();
    }

    /** The time of the submit: the job's creation time, and what TTLs and rate windows count from. */
    public Instant now() {
        return now;
    }

    /** The task's contract (set by the task lookup). */
    public TaskSpec task() {
        return required(task, "task");
    }

    /** The input in its canonical form (set by validation). */
    public JsonNode input() {
        return required(input, "input");
    }

    /** The canonical input as compact JSON: what is stored, queued and hashed. */
    public String inputJson() {
        return required(inputJson, "input");
    }

    public int inputBytes() {
        required(inputJson, "input");
        return inputBytes;
    }

    /** A digest of task, model and canonical input: tells a replay from a different request under one key. */
    public String requestHash() {
        return required(requestHash, "requestHash");
    }

    public String jobId() {
        return required(jobId, "jobId");
    }

    /** The object-store key of an input too large to travel inline, or null. */
    public String inputRef() {
        return inputRef;
    }

    /** The budget this request reserved (set by the budget step; 0 where none was reserved). */
    public double reserved() {
        return reserved;
    }

    /** How long the lane's backlog takes to drain (set by the overflow step), or null where it is not known. */
    public java.time.Duration eta() {
        return eta;
    }

    /**
     * Whether the rate step granted this request a token that is not written yet: it is written with whatever first
     * commits the request ({@link #reserveWithToken}, {@link #takePendingToken}).
     */
    public boolean tokenPending() {
        return pendingToken != null;
    }

    /**
     * Writes the pending token alone, if there is one (a cached answer about to be written, a request refused after
     * the rate step, a pipeline without a budget step): {@link Decision#PASS}, or the {@code 429} of a tenant over
     * its rate. The token is written once, whatever the outcome.
     */
    public Decision takePendingToken() {
        if (pendingToken == null) {
            return Decision.pass();
        }
        PendingToken token = pendingToken;
        pendingToken = null;
        return switch (token.store().charge(tenant(), TenantCharge.token(token.rate(), token.burst()), now)) {
            case ChargeDecision.Charged charged -> Decision.pass();
            case ChargeDecision.RateLimited(long retryAfter) -> RateLimit.limited(token.rate(), token.burst(),
                    retryAfter);
            case ChargeDecision.OverBudget overBudget -> throw new IllegalStateException("a token alone reserves nothing");
        };
    }

    /**
     * Reserves {@code amount} of the tenant's budget together with the pending token, if there is one, in one
     * conditional write ({@link TenantStore#charge}): {@link Decision#PASS}, the {@code 429} of a tenant over its
     * rate (nothing reserved), or the {@code 402} of one whose budget cannot cover {@code amount} (no token taken).
     */
    public Decision reserveWithToken(TenantStore store, double amount) {
        PendingToken token = pendingToken;
        pendingToken = null;
        TenantCharge charge = token == null ? TenantCharge.reservation(amount)
                : TenantCharge.token(token.rate(), token.burst()).reserving(amount);
        return switch (store.charge(tenant(), charge, now)) {
            case ChargeDecision.Charged charged -> Decision.pass();
            case ChargeDecision.RateLimited(long retryAfter) -> RateLimit.limited(token.rate(), token.burst(),
                    retryAfter);
            case ChargeDecision.OverBudget overBudget -> BudgetReservation.exceeded(amount);
        };
    }

    /**
     * Registers what undoes a step's side effect (a reservation) should the request not end queued: refused by a
     * later step, answered from the cache, a replay of an existing job, or not sent.
     */
    public void onAbandon(Runnable undo) {
        undos.add(Objects.requireNonNull(undo, "undo"));
    }

    /** Runs the registered undos, latest first; one that fails does not stop the others (it is logged). */
    public void abandon() {
        for (int i = undos.size() - 1; i >= 0; i--) {
            try {
                undos.get(i).run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Admission.class).warn("undo of an admission step failed for "
                        + "tenant={}: {}", tenant(), e.toString());
            }
        }
        undos.clear();
    }

    /** Set by the rate step: the token this request is to take from {@code store}'s bucket. */
    void pendingToken(TenantStore store, double rate, int burst) {
        this.pendingToken = new PendingToken(Objects.requireNonNull(store, "store"), rate, burst);
    }

    void reserved(double amount) {
        this.reserved = amount;
    }

    void eta(java.time.Duration eta) {
        this.eta = eta;
    }

    void task(TaskSpec task) {
        this.task = Objects.requireNonNull(task);
    }

    void input(JsonNode canonical) {
        this.input = Objects.requireNonNull(canonical);
        this.inputJson = Json.write(canonical);
        this.inputBytes = inputJson.getBytes(StandardCharsets.UTF_8).length;
    }

    void identity(String jobId, String requestHash) {
        this.jobId = Objects.requireNonNull(jobId);
        this.requestHash = Objects.requireNonNull(requestHash);
    }

    void inputRef(String inputRef) {
        this.inputRef = Objects.requireNonNull(inputRef);
    }

    private record PendingToken(TenantStore store, double rate, int burst) {
    }

    private static <T> T required(T value, String name) {
        if (value == null) {
            throw new IllegalStateException(name + " is not known yet: an admission step that reads it runs before "
                    + "the one that sets it");
        }
        return value;
    }
}
