package dev.ebb.core.admission;

import dev.ebb.core.api.Limits;
import dev.ebb.core.api.SubmitRequest.CacheMode;
import dev.ebb.core.cache.CacheKeys;
import dev.ebb.core.cache.CachedResult;
import dev.ebb.core.cache.ResultCache;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobStore;
import dev.ebb.core.tenant.UsageRecorder;
import java.time.Instant;
import java.util.Optional;

/**
 * The exact result cache at submit: a request whose key ({@link CacheKeys}) has a cached answer is answered with it
 * ({@code 200}, {@code cached: true}) and never queued. The answer is still a job — written SUCCEEDED, never started,
 * with the cached result — so {@code GET /v1/jobs/{id}} of it works and an idempotency key finds it. Requests with
 * {@code cache: "off"}, and tasks whose answer may not be cached, pass untouched.
 *
 * <p>A job id that already exists (an idempotency key used before) is not answered here: the service's replay
 * path answers it as any replay.
 */
public final class ExactCache implements AdmissionStep {
    private final ResultCache cache;
    private final CacheKeys keys;
    private final JobStore store;
    private final Limits limits;
    private final UsageRecorder usage;
    private final dev.ebb.core.metrics.JobMeter meter;

    /** @param usage where hits are counted for {@code GET /v1/usage}, or null */
    public ExactCache(ResultCache cache, CacheKeys keys, JobStore store, Limits limits, UsageRecorder usage) {
        this(cache, keys, store, limits, usage, dev.ebb.core.metrics.JobMeter.NONE);
    }

    /** @param meter where hits and misses are counted as metrics (the dashboard's and CloudWatch's hit rate) */
    public ExactCache(ResultCache cache, CacheKeys keys, JobStore store, Limits limits, UsageRecorder usage,
                      dev.ebb.core.metrics.JobMeter meter) {
        this.cache = cache;
        this.keys = keys;
        this.store = store;
        this.limits = limits;
        this.usage = usage;
        this.meter = meter;
    }

    @Override
    public Stage stage() {
        return Stage.CACHE;
    }

    @Override
    public Decision admit(Admission submit) {
        if (submit.request().cache() == CacheMode.OFF) {
            return Decision.pass();
        }
        Optional<String> key = keys.keyOf(submit.tenant(), submit.task(), submit.request().model(), submit.input());
        if (key.isEmpty()) {
            return Decision.pass();
        }
        Instant now = submit.now();
        Optional<CachedResult> hit = cache.get(key.get(), now);
        if (hit.isEmpty()) {
            meter.cacheMiss(submit.task().name());
            return Decision.pass();
        }
        // A hit costs the rate token (nothing is reserved): taken before the answer is written, so a request over its
        // rate is refused 429 and leaves no job.
        Decision token = submit.takePendingToken();
        if (!(token instanceof Decision.Pass)) {
            return token;
        }
        // The input is kept inline only where it would have been; a larger one is not stored with an answered job.
        boolean inline = submit.inputBytes() <= limits.inlineInputBytes();
        Job answered = new Job(submit.jobId(), submit.tenant(), submit.task().name(), submit.task().lane(),
                submit.request().model(), inline ? submit.input() : null, JobStatus.SUCCEEDED, 0, now, null, now,
                hit.get().result(), null, null, null, submit.request().idempotencyKey(), submit.requestHash(),
                now.plus(limits.resultTtl()));
        if (store.create(answered) instanceof JobStore.CreateResult.AlreadyExists) {
            return Decision.pass();
        }
        if (usage != null) {
            usage.cacheHit(submit.tenant(), hit.get().computeMs());
        }
        meter.cacheHit(submit.task().name());
        return Decision.answer(answered);
    }
}
