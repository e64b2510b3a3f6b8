package dev.ebb.core.tenant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Tenants' states and the service's switch as this process last read them, for at most {@code cacheFor} (the
 * {@code EBB_POLICY_CACHE_SECONDS} setting): a warm process reads a busy tenant's item at most once per period, so
 * a switch flipped, a limit changed or a budget run out takes effect everywhere within that period. The atomic
 * parts (the rate bucket, reservations) never use these copies: they are conditional writes on the item itself.
 */
public final class TenantStates {
    private static final String SERVICE = "\0service";
    private final TenantStore store;
    private final Cache<String, TenantState> states;
    private final Cache<String, Boolean> service;

    public TenantStates(TenantStore store, Duration cacheFor) {
        this.store = store;
        this.states = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(cacheFor).build();
        this.service = Caffeine.newBuilder().maximumSize(1).expireAfterWrite(cacheFor).build();
    }

    public TenantState get(String tenant) {
        return states.get(tenant, store::state);
    }

    public boolean serviceDisabled() {
        return service.get(SERVICE, k -> store.serviceDisabled());
    }

    public TenantStore store() {
        return store;
    }
}
