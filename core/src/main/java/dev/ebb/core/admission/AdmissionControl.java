package dev.ebb.core.admission;

import dev.ebb.core.api.Limits;
import dev.ebb.core.cache.CacheKeys;
import dev.ebb.core.cache.DynamoDbResultCache;
import dev.ebb.core.cache.ResultCache;
import dev.ebb.core.cache.ResultCacheWriter;
import dev.ebb.core.cache.TieredResultCache;
import dev.ebb.core.config.AdmissionSettings;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.run.ClaimCheck;
import dev.ebb.core.run.CompletionListener;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.tenant.AdmissionAtClaim;
import dev.ebb.core.tenant.BudgetSettlement;
import dev.ebb.core.tenant.DynamoDbTenantStore;
import dev.ebb.core.tenant.LaneDrainCounter;
import dev.ebb.core.tenant.TenantStates;
import dev.ebb.core.tenant.TenantStore;
import dev.ebb.core.tenant.UsageRecorder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Admission control and the result cache of one process, put together once from its settings: the submit side's
 * steps ({@link #steps}), and the worker side's claim check and completion listeners. Every deployable (the
 * functions, the gpu worker, the local cloud) builds its own from the same settings, so the two sides agree on the
 * tables, the cache keys and what was reserved.
 */
public final class AdmissionControl {
    private final AdmissionSettings settings;
    private final TenantStore tenants;
    private final TenantStates states;
    private final ResultCache cache;
    private final CacheKeys keys;
    private final UsageRecorder usage;
    private final Clock clock;

    public AdmissionControl(AdmissionSettings settings, DynamoDbClient dynamoDb, Clock clock) {
        this.settings = settings;
        this.tenants = new DynamoDbTenantStore(dynamoDb, settings.tenantsTable());
        this.states = new TenantStates(tenants, settings.policyCache());
        ResultCache shared = new DynamoDbResultCache(dynamoDb, settings.cacheTable());
        this.cache = settings.localEntries() == 0 ? shared
                : new TieredResultCache(shared, settings.localEntries(), settings.cacheTtl());
        this.keys = new CacheKeys(settings.sharePublic());
        this.usage = new UsageRecorder(tenants);
        this.clock = clock;
    }

    /**
     * The submit side's steps, each at its stage: kill switch, rate limit, budget, overflow (where {@code depth} is
     * given), exact cache.
     */
    public List<AdmissionStep> steps(JobStore store, Limits limits, LaneDepth depth) {
        return steps(store, limits, depth, dev.ebb.core.metrics.MetricsSink.NONE);
    }

    /** The submit-side steps, the cache's hits and misses counted in {@code metrics}. */
    public List<AdmissionStep> steps(JobStore store, Limits limits, LaneDepth depth,
                                     dev.ebb.core.metrics.MetricsSink metrics) {
        List<AdmissionStep> steps = new ArrayList<>(List.of(new KillSwitch(states), new RateLimit(states),
                new BudgetReservation(states)));
        if (depth != null) {
            steps.add(new Overflow(new LaneBacklog(depth, tenants), settings.overflowMaxDepth()));
        }
        steps.add(new ExactCache(cache, keys, store, limits, usage, new dev.ebb.core.metrics.JobMeter(metrics)));
        return steps;
    }

    /** What a client's cancel hands back: the cancelled job's reservation (for {@code JobService.Builder#onCancelled}). */
    public java.util.function.Consumer<dev.ebb.core.job.Job> cancelSettlement(TaskRegistry tasks) {
        return new BudgetSettlement(tenants, tasks)::cancelled;
    }

    /** The worker side's second look at a claimed job. */
    public ClaimCheck claimCheck() {
        return new AdmissionAtClaim(states);
    }

    /** The worker side's listeners: settle the budget, fill the cache, count the lane's drain. */
    public List<CompletionListener> listeners(TaskRegistry tasks) {
        return List.of(new BudgetSettlement(tenants, tasks),
                new ResultCacheWriter(cache, keys, tasks, settings.cacheTtl(), clock),
                new LaneDrainCounter(tenants, tasks));
    }

    public TenantStore tenants() {
        return tenants;
    }

    /** The tenants' policies and switches, read through the short cache. */
    public TenantStates states() {
        return states;
    }

    public ResultCache cache() {
        return cache;
    }

    public UsageRecorder usage() {
        return usage;
    }

    public AdmissionSettings settings() {
        return settings;
    }
}
