package dev.ebb.core.session;

import java.time.Instant;
import java.util.Optional;

/**
 * Where conversations live: one record per tenant and session id, with a TTL that every turn moves forward. A
 * session id names a different session for each tenant, so no tenant can read, extend or end another's. Expired
 * sessions read as gone (the table's TTL deletes them days late).
 */
public interface SessionStore {

    /** The most turns a session holds; a turn beyond it is refused ({@code 409 session_full}). */
    int MAX_TURNS = 100;

    /**
     * Opens the session for a new turn: creates it when it does not exist or has expired (an expired one starts
     * over, empty), and moves its expiry to {@code expiresAt}.
     */
    void open(String tenant, String sessionId, Instant now, Instant expiresAt);

    /** What {@link #addTurn} came to. */
    enum Added {
        /** Appended now. */
        ADDED,
        /** Already there (a repeated call for the same job). */
        PRESENT,
        /** The session has {@link #MAX_TURNS} turns. */
        FULL,
        /** The session does not exist or has expired (ended). */
        GONE
    }

    /** Appends {@code turn} unless the session already has its job, and moves the expiry to {@code expiresAt}. */
    Added addTurn(String tenant, String sessionId, Turn turn, Instant now, Instant expiresAt);

    /** The session, unless it does not exist or has expired. */
    Optional<Session> find(String tenant, String sessionId, Instant now);

    /**
     * Records how a turn ended ({@code ended}: status SUCCEEDED or FAILED, with reply or error, usage and cost),
     * adds its usage and cost to the session's, and moves the expiry. False when the session or the turn is gone.
     */
    boolean finishTurn(String tenant, String sessionId, Turn ended, Instant now, Instant expiresAt);

    /** Ends (deletes) a live session; false when there was none. */
    boolean end(String tenant, String sessionId, Instant now);
}
