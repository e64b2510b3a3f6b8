package dev.ebb.core.cache;

import dev.ebb.core.Json;
import dev.ebb.core.run.CompletionListener;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TaskSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers fill the exact cache: a job that succeeded, whose message allows it ({@code cache} was not {@code read} or
 * {@code off}) and whose task's answer may be cached, is written under its key for {@code ttl}. Results larger than
 * {@link #MAX_RESULT_BYTES} are not cached, nor are answers the semantic cache gave (they would not fit an item with room to spare).
 */
public final class ResultCacheWriter implements CompletionListener {
    private static final Logger log = LoggerFactory.getLogger(ResultCacheWriter.class);
    public static final int MAX_RESULT_BYTES = 256 * 1024;

    private final ResultCache cache;
    private final CacheKeys keys;
    private final TaskRegistry tasks;
    private final Duration ttl;
    private final Clock clock;

    public ResultCacheWriter(ResultCache cache, CacheKeys keys, TaskRegistry tasks, Duration ttl, Clock clock) {
        this.cache = cache;
        this.keys = keys;
        this.tasks = tasks;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public void completed(List<Ended> jobs) {
        Instant now = clock.instant();
        for (Ended job : jobs) {
            if (!(job.outcome() instanceof Outcome.Success(var result)) || !job.envelope().cacheWrite()
                    || job.similarity() != null) {
                continue; // an answer given by meaning is another text's: never this text's exact answer
            }
            Optional<TaskSpec> task = tasks.find(job.envelope().task());
            Optional<String> key = task.flatMap(t -> keys.keyOf(job.envelope().tenant(), t, job.envelope().model(),
                    job.envelope().input()));
            if (key.isEmpty() || Json.write(result).getBytes(StandardCharsets.UTF_8).length > MAX_RESULT_BYTES) {
                continue;
            }
            try {
                cache.put(key.get(), new CachedResult(result, job.computeMs(), now, now.plus(ttl)));
            } catch (RuntimeException e) {
                log.warn("jobId={} result not cached: {}", job.envelope().jobId(), e.toString());
            }
        }
    }
}
