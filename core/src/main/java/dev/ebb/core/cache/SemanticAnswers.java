package dev.ebb.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Digests;
import dev.ebb.core.Json;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TaskSpec;
import dev.ebb.core.tenant.SemanticCounts;
import dev.ebb.core.tenant.UsageRecorder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The semantic cache in the job path: the runner's seam for answering claimed jobs by meaning. The lookup needs the
 * request's embedding, which only a process holding the model computes, so it runs in the worker, after the claim and
 * before the task: {@link #lookup} embeds the texts of a group's eligible jobs in one call and answers those whose
 * nearest entry of the same partition is at or above the threshold; the runner runs the rest and hands each outcome
 * back ({@link Lookup#ran}), which stores an eligible success for later lookups.
 *
 * <p>Eligible: the task offers a shape for the input ({@link TaskSpec#semantic}), the request's cache mode is not
 * {@code off} (a {@code read} request is answered, never stored), and the job stands alone — no session, or the first
 * turn of one ({@link SemanticRequest#eligible}). The partition is the tenant (never shared: the false-hit rate is a
 * tenant's own), the task, the model and its version and every other input field.
 *
 * <p>Measured, not hoped: a sampled fraction of hits is run again on a bounded low-priority executor (one thread, a
 * short queue; a check that finds it full is dropped and counted, never waited for) and its answer compared with the
 * cached one ({@link SemanticShape}); the tenant's hits, checks and false hits go to its item as atomic ADDs. A re-run
 * is the job as if it stood alone under another id, so it writes nothing of the job's or its session's; it is never
 * charged to the tenant and never changes the job's answer.
 */
public final class SemanticAnswers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SemanticAnswers.class);
    /** Bumped when the partition's layout changes. */
    private static final String LAYOUT = "s1";
    /** Checks waiting for the background thread at most; more are dropped. */
    static final int CHECK_QUEUE = 64;

    private final SemanticCache index;
    private final Embedder embedder;
    private final TaskRegistry tasks;
    private final SemanticSettings settings;
    private final Conversation conversation;
    private final UsageRecorder usage;
    private final DoubleSupplier random;
    private final ThreadPoolExecutor checks;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();

    /**
     * What a task with conversations adds (chat): where a job stands in its session, and what answering it by meaning
     * must also write. Tasks without sessions use {@link #NONE}.
     */
    public interface Conversation {
        Conversation NONE = new Conversation() {
            @Override
            public int turn(JobEnvelope job) {
                return Integer.MAX_VALUE; // a session this worker knows nothing of: never answered by meaning
            }

            @Override
            public Optional<JsonNode> answered(JobEnvelope job, JsonNode cached) {
                return Optional.of(cached);
            }
        };

        /** The job's turn in its session, 1 for the first; asked only of jobs with a session. */
        int turn(JobEnvelope job);

        /**
         * The cached result made this job's answer, with whatever else the answer must write (the turn on its
         * session); empty where that could not be done, and the job then runs.
         */
        Optional<JsonNode> answered(JobEnvelope job, JsonNode cached);
    }

    /**
     * @param embedder the worker's texts → unit vectors; called with the group's model (the gpu worker embeds with the
     *                 model the job asked for, the chat worker with its own MiniLM)
     * @param usage    where the tenant's hits, checks and false hits are added, or null
     */
    public SemanticAnswers(SemanticSettings settings, Embedder embedder, TaskRegistry tasks, Conversation conversation,
                           UsageRecorder usage) {
        this(settings, embedder, tasks, conversation, usage, Math::random);
    }

    SemanticAnswers(SemanticSettings settings, Embedder embedder, TaskRegistry tasks, Conversation conversation,
                    UsageRecorder usage, DoubleSupplier random) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.index = new SemanticCache(settings.threshold(), Math.max(1, settings.entries()));
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        this.tasks = Objects.requireNonNull(tasks, "tasks");
        this.conversation = Objects.requireNonNull(conversation, "conversation");
        this.usage = usage;
        this.random = random;
        this.checks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(CHECK_QUEUE),
                runnable -> {
                    Thread thread = new Thread(runnable, "semantic-check");
                    thread.setDaemon(true);
                    thread.setPriority(Thread.MIN_PRIORITY);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** One group's lookup: which of its jobs were answered, and where the others' results are stored. */
    public final class Lookup {
        private final Map<Integer, SemanticCache.Hit> hits = new LinkedHashMap<>();
        private final Map<Integer, Pending> misses = new LinkedHashMap<>();

        private record Pending(SemanticRequest request, float[] vector) {
        }

        /** The answer by meaning of the group's {@code i}-th job, or empty: it runs. */
        public Optional<SemanticCache.Hit> hit(int i) {
            return Optional.ofNullable(hits.get(i));
        }

        /** The outcome of the group's {@code i}-th job, which ran: an eligible success is kept for later lookups. */
        public void ran(int i, Outcome outcome) {
            Pending pending = misses.remove(i);
            if (pending != null && outcome instanceof Outcome.Success(var result)) {
                index.store(pending.request(), pending.vector(), result);
            }
        }
    }

    /** A lookup that answers nothing and stores nothing. */
    public Lookup none() {
        return new Lookup();
    }

    /**
     * Looks up the eligible jobs of a group (one task, one model): embeds their texts in one call and answers those
     * with a near enough entry. Never throws: an embedder that fails makes every job a miss that is not stored.
     */
    public Lookup lookup(String taskName, String model, List<JobEnvelope> jobs) {
        Lookup lookup = new Lookup();
        Optional<TaskSpec> spec = tasks.find(taskName);
        if (!settings.enabled() || spec.isEmpty()) {
            return lookup;
        }
        List<Integer> indexes = new ArrayList<>();
        List<SemanticRequest> requests = new ArrayList<>();
        List<SemanticShape> shapes = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            JobEnvelope job = jobs.get(i);
            Optional<SemanticRequest> request;
            try {
                request = request(spec.get(), job);
            } catch (RuntimeException e) {
                log.warn("jobId={} not looked up by meaning: {}", job.jobId(), e.toString());
                continue;
            }
            if (request.isPresent() && request.get().eligible()) {
                indexes.add(i);
                requests.add(request.get());
                shapes.add(spec.get().semantic(job.input()).orElseThrow());
            }
        }
        if (requests.isEmpty()) {
            return lookup;
        }
        List<float[]> vectors;
        try {
            vectors = SemanticCache.vectors(embedder, model, requests);
        } catch (RuntimeException e) {
            log.warn("semantic lookup of {} jobs failed; they run: {}", requests.size(), e.toString());
            return lookup;
        }
        Map<String, Long> hitsByTenant = new LinkedHashMap<>();
        for (int k = 0; k < requests.size(); k++) {
            int i = indexes.get(k);
            JobEnvelope job = jobs.get(i);
            Optional<SemanticCache.Hit> hit = index.lookup(requests.get(k), vectors.get(k));
            Optional<JsonNode> answer = hit.flatMap(h -> answered(job, h.result()));
            if (answer.isPresent()) {
                lookup.hits.put(i, new SemanticCache.Hit(answer.get(), hit.get().similarity()));
                hitsByTenant.merge(job.tenant(), 1L, Long::sum);
                log.info("jobId={} answered by meaning, similarity {}", job.jobId(),
                        String.format(java.util.Locale.ROOT, "%.4f", hit.get().similarity()));
                if (settings.sample() > 0 && random.getAsDouble() < settings.sample()) {
                    check(job, shapes.get(k), hit.get().result());
                }
            } else {
                lookup.misses.put(i, new Lookup.Pending(requests.get(k), vectors.get(k)));
            }
        }
        if (usage != null) {
            hitsByTenant.forEach((tenant, hits) -> usage.semantic(tenant, new SemanticCounts(hits, 0, 0)));
        }
        return lookup;
    }

    private Optional<JsonNode> answered(JobEnvelope job, JsonNode cached) {
        try {
            return conversation.answered(job, cached);
        } catch (RuntimeException e) {
            log.warn("jobId={} not answered by meaning: {}", job.jobId(), e.toString());
            return Optional.empty();
        }
    }

    /** What the cache needs of a job, or empty where its task never answers its input by meaning. */
    Optional<SemanticRequest> request(TaskSpec spec, JobEnvelope job) {
        JsonNode input = job.input();
        if (input == null || !input.isObject()) {
            return Optional.empty();
        }
        Optional<SemanticShape> shape = spec.semantic(input);
        if (shape.isEmpty() || !input.path(shape.get().textField()).isTextual()) {
            return Optional.empty();
        }
        String session = job.sessionId();
        int turn = session == null ? 0 : conversation.turn(job);
        return Optional.of(new SemanticRequest(job.tenant(), partition(spec, job, shape.get()),
                input.get(shape.get().textField()).textValue(), session, turn, job.cacheMode()));
    }

    /**
     * The partition: a digest of the tenant, the task, the model and its version, and every input field but the text
     * and the session (a session's first turn is compared with stand-alone turns and other sessions' first turns).
     */
    static String partition(TaskSpec spec, JobEnvelope job, SemanticShape shape) {
        ObjectNode rest = ((ObjectNode) job.input()).deepCopy();
        rest.remove(shape.textField());
        rest.remove("session");
        String text = LAYOUT + "\0tenant:" + job.tenant() + "\0" + spec.name() + "\0"
                + (job.model() == null ? "" : job.model()) + "\0" + spec.modelVersion(job.model()) + "\0"
                + Json.write(rest);
        return HexFormat.of().formatHex(Digests.sha256(text));
    }

    /** Queues the background re-run of a hit; a full queue drops it (counted), never waits. */
    private void check(JobEnvelope job, SemanticShape shape, JsonNode cached) {
        Optional<Task> task = tasks.runnable(job.task());
        if (task.isEmpty()) {
            return;
        }
        try {
            checks.execute(() -> rerun(task.get(), job, shape, cached));
        } catch (RejectedExecutionException e) {
            long count = dropped.incrementAndGet();
            log.info("jobId={} semantic check dropped: the check queue is full ({} dropped so far)", job.jobId(),
                    count);
        }
    }

    /** Runs the job again as if it stood alone, under another id, and records whether it agreed. */
    private void rerun(Task task, JobEnvelope job, SemanticShape shape, JsonNode cached) {
        try {
            ObjectNode input = ((ObjectNode) job.input()).deepCopy();
            input.remove("session");
            JobContext context = new JobContext("check-" + job.jobId(), job.tenant(), job.model(), null, input);
            Outcome outcome = task.runBatch(List.of(context)).get(0);
            if (!(outcome instanceof Outcome.Success(var fresh))) {
                log.info("jobId={} semantic check did not run to an answer: {}", job.jobId(), outcome);
                return;
            }
            boolean agrees = agrees(shape, job.model(), cached, fresh);
            if (!agrees) {
                log.info("jobId={} semantic check: a false hit", job.jobId());
            }
            if (usage != null) {
                usage.semantic(job.tenant(), new SemanticCounts(0, 1, agrees ? 0 : 1));
            }
        } catch (RuntimeException e) {
            log.warn("jobId={} semantic check failed: {}", job.jobId(), e.toString());
        } finally {
            finished.incrementAndGet();
        }
    }

    /**
     * The compare rule: the answer fields are equal (classify's top label), or, for answers worded anew (a chat
     * reply), their texts' embeddings are at least as similar as the threshold.
     */
    boolean agrees(SemanticShape shape, String model, JsonNode cached, JsonNode fresh) {
        JsonNode a = cached.path(shape.answerField());
        JsonNode b = fresh.path(shape.answerField());
        if (!shape.byMeaning() || !a.isTextual() || !b.isTextual()) {
            return a.equals(b);
        }
        if (a.textValue().equals(b.textValue())) {
            return true;
        }
        List<float[]> vectors = embedder.embed(model, List.of(a.textValue(), b.textValue()));
        return SemanticCache.dot(vectors.get(0), vectors.get(1)) >= settings.threshold();
    }

    /** Checks dropped because the queue was full. */
    public long droppedChecks() {
        return dropped.get();
    }

    /** Checks that have run to their end (agreeing, disagreeing or failing). */
    public long finishedChecks() {
        return finished.get();
    }

    public SemanticSettings settings() {
        return settings;
    }

    /** Stops the background checks; those queued are dropped. */
    @Override
    public void close() {
        checks.shutdownNow();
    }
}
