package dev.ebb.core.tenant;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts cache hits and the worker time they saved per tenant in process, and adds them to the tenant's item at
 * most once a second per tenant (the request that finds a second gone by pays one write), so a hit does not cost a
 * write of its own. What a process holds when it stops unflushed (under a second's worth) is lost from the usage
 * figures; nothing else depends on them.
 */
public final class UsageRecorder {
    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);
    private static final long FLUSH_NANOS = 1_000_000_000L;

    private final TenantStore store;
    private final LongSupplier nanoTime;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    public UsageRecorder(TenantStore store) {
        this(store, System::nanoTime);
    }

    UsageRecorder(TenantStore store, LongSupplier nanoTime) {
        this.store = store;
        this.nanoTime = nanoTime;
    }

    public void cacheHit(String tenant, long savedMs) {
        Pending p = pending.computeIfAbsent(tenant, t -> new Pending(nanoTime.getAsLong()));
        p.hits.incrementAndGet();
        p.savedMs.addAndGet(savedMs);
        long now = nanoTime.getAsLong();
        long last = p.flushedAt.get();
        if (now - last >= FLUSH_NANOS && p.flushedAt.compareAndSet(last, now)) {
            flush(tenant, p);
        }
    }

    /**
     * Adds semantic-cache figures to the tenant's item at once, one atomic ADD: a worker calls it once per batch
     * with the batch's answers by meaning, and once per background check (sampled, so rare). Written at once rather
     * than buffered, so a check that ends after the last job of a quiet tenant is not left unwritten. A write that
     * fails is logged and lost from the figures (nothing else depends on them).
     */
    public void semantic(String tenant, SemanticCounts counts) {
        if (counts.isEmpty()) {
            return;
        }
        try {
            store.recordSemantic(tenant, counts);
        } catch (RuntimeException e) {
            log.warn("semantic cache usage of tenant={} not recorded: {}", tenant, e.toString());
        }
    }

    /** Writes whatever is counted now (a process that stops calls it). */
    public void flushAll() {
        pending.forEach(this::flush);
    }

    private void flush(String tenant, Pending p) {
        long hits = p.hits.getAndSet(0);
        long saved = p.savedMs.getAndSet(0);
        if (hits == 0) {
            return;
        }
        try {
            store.recordCacheHits(tenant, hits, saved);
        } catch (RuntimeException e) {
            p.hits.addAndGet(hits); // kept for the next flush
            p.savedMs.addAndGet(saved);
            log.warn("cache usage of tenant={} not recorded yet: {}", tenant, e.toString());
        }
    }

    private static final class Pending {
        final AtomicLong hits = new AtomicLong();
        final AtomicLong savedMs = new AtomicLong();
        final AtomicLong flushedAt;

        Pending(long now) {
            this.flushedAt = new AtomicLong(now - FLUSH_NANOS); // the first hit is written at once
        }
    }
}
