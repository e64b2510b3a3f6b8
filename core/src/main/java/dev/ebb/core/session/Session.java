package dev.ebb.core.session;

import dev.ebb.core.task.chat.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A conversation of one tenant: its turns in the order they were submitted, and what they cost together.
 *
 * @param expiresAt when the session is gone (the table's TTL, moved forward by every turn)
 */
public record Session(String tenant, String sessionId, Instant createdAt, Instant updatedAt, Instant expiresAt,
                      List<Turn> turns, Usage usage, double costUsd) {
    public Session {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(sessionId, "sessionId");
        turns = List.copyOf(turns);
    }

    /** The turns before {@code jobId}'s (all of them where it is not among them yet). */
    public List<Turn> before(String jobId) {
        List<Turn> earlier = new ArrayList<>();
        for (Turn turn : turns) {
            if (turn.jobId().equals(jobId)) {
                break;
            }
            earlier.add(turn);
        }
        return earlier;
    }

    public boolean has(String jobId) {
        return turns.stream().anyMatch(t -> t.jobId().equals(jobId));
    }
}
