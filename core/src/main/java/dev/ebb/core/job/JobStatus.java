package dev.ebb.core.job;

/**
 * A job's lifecycle: {@code QUEUED → RUNNING → SUCCEEDED | FAILED} and {@code QUEUED | RUNNING → CANCELLED}.
 * A RUNNING job whose lease lapsed may be claimed again (RUNNING → RUNNING, attempts + 1).
 */
public enum JobStatus {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
