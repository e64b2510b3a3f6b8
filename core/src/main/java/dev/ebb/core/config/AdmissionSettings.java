package dev.ebb.core.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Admission control's and the result cache's settings, read once from the environment (names from
 * {@link Deployment}); a bad value fails start-up naming its variable.
 *
 * @param cacheTable       the result cache's table
 * @param tenantsTable     tenants' limits, switches and counters
 * @param cacheTtl         how long a cached result answers (default 1 day)
 * @param localEntries     entries of the in-process cache tier per process (default 10,000; 0 switches it off)
 * @param sharePublic      whether results of public models are shared across tenants (default false)
 * @param policyCache      how long a process trusts a tenant's limits and switches as read (default 2 s; 0: read
 *                         every time)
 * @param negativeKeyCache how long an unknown API key is remembered as unknown (default 5 s; 0: never)
 * @param overflowMaxDepth a lane's backlog above which new work is refused, 503 (default 100,000)
 */
public record AdmissionSettings(String cacheTable, String tenantsTable, Duration cacheTtl, int localEntries,
                                boolean sharePublic, Duration policyCache, Duration negativeKeyCache,
                                long overflowMaxDepth) {
    public static final String CACHE_TABLE = Deployment.CACHE_TABLE.name();
    public static final String TENANTS_TABLE = Deployment.TENANTS_TABLE.name();
    public static final String CACHE_TTL_SECONDS = Deployment.CACHE_TTL_SECONDS.name();
    public static final String CACHE_LOCAL_ENTRIES = Deployment.CACHE_LOCAL_ENTRIES.name();
    public static final String CACHE_SHARE_PUBLIC = Deployment.CACHE_SHARE_PUBLIC.name();
    public static final String POLICY_CACHE_SECONDS = Deployment.POLICY_CACHE_SECONDS.name();
    public static final String NEGATIVE_KEY_CACHE_SECONDS = Deployment.NEGATIVE_KEY_CACHE_SECONDS.name();
    public static final String OVERFLOW_MAX_DEPTH = Deployment.OVERFLOW_MAX_DEPTH.name();

    public static AdmissionSettings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        Duration ttl = env.seconds(CACHE_TTL_SECONDS, Duration.ofDays(1));
        if (ttl.isZero() || ttl.compareTo(Duration.ofDays(30)) > 0) {
            throw new SettingsException(CACHE_TTL_SECONDS + " must be 1 s to 30 days, not " + ttl.toSeconds());
        }
        Duration policy = Duration.ofSeconds(env.integer(POLICY_CACHE_SECONDS, 2, 0, 300));
        Duration negative = Duration.ofSeconds(env.integer(NEGATIVE_KEY_CACHE_SECONDS, 5, 0, 300));
        String share = env.string(CACHE_SHARE_PUBLIC, "false").strip().toLowerCase(Locale.ROOT);
        if (!share.equals("true") && !share.equals("false")) {
            throw new SettingsException(CACHE_SHARE_PUBLIC + " must be true or false, not '" + share + "'");
        }
        return new AdmissionSettings(
                env.string(CACHE_TABLE, Deployment.CACHE.defaultName()),
                env.string(TENANTS_TABLE, Deployment.TENANTS.defaultName()),
                ttl,
                env.integer(CACHE_LOCAL_ENTRIES, 10_000, 0, 10_000_000),
                share.equals("true"),
                policy,
                negative,
                env.integer(OVERFLOW_MAX_DEPTH, 100_000, 1, Integer.MAX_VALUE));
    }
}
