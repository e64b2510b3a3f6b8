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

    /**
     * Whether the tenant has ever been given a key (a marker item written by {@link #create}): the check an upload
     * under {@code uploads/<tenant>/} passes before it becomes a job. One read of one small item.
     */
    boolean tenantExists(String tenant);

    /** Records that a tenant exists ({@link #create} does it): for tenants whose keys predate the marker. */
    void registerTenant(String tenant);
}
