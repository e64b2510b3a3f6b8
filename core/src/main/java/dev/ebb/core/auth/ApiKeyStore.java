package dev.ebb.core.auth;

import java.util.Optional;

/** Which tenant an API key belongs to. Keys are stored hashed; the plain key is shown once, at creation. */
public interface ApiKeyStore {

    /** Creates a key for the tenant and returns it in the clear: the only time it is ever available. */
    String create(String tenant);

    /** The tenant of a key, unless the key is unknown or revoked. */
    Optional<String> tenantOf(String key);

    /** Revokes a key; true when it existed. */
    boolean revoke(String key);
}
