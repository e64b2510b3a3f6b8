package dev.ebb.core.task;

import java.util.Locale;

/** Where a task runs: the gpu lane is served by the long-running workers, the cpu lane by the queue-worker function. */
public enum Lane {
    GPU,
    CPU;

    /** The lane's short name, as used in queue names and settings ({@code gpu}, {@code cpu}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Lane fromId(String id) {
        for (Lane lane : values()) {
            if (lane.id().equals(id)) {
                return lane;
            }
        }
        throw new IllegalArgumentException("unknown lane '" + id + "' (expected gpu or cpu)");
    }
}
