package dev.ebb.core.task;

import java.util.Locale;

/**
 * Where a task runs: the gpu lane is served by the long-running workers, the cpu lane by the queue-worker function,
 * the llm lane by the chat consumer (a function with a concurrency cap, calling a hosted model).
 */
public enum Lane {
    GPU,
    CPU,
    /**
     * Calls to a hosted large model (Bedrock): kept apart so that waiting on or being throttled by it never holds up
     * other work. Its queue is FIFO: the messages of one conversation share a message group and run in order.
     */
    LLM;

    /** Whether the lane's queue is an SQS FIFO queue (message group = the job's session, or the job itself). */
    public boolean fifo() {
        return this == LLM;
    }

    /** The lane's short name, as used in queue names and settings ({@code gpu}, {@code cpu}, {@code llm}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Lane fromId(String id) {
        for (Lane lane : values()) {
            if (lane.id().equals(id)) {
                return lane;
            }
        }
        throw new IllegalArgumentException("unknown lane '" + id + "' (expected gpu, cpu or llm)");
    }
}
