package dev.ebb.local.runtime;

import dev.ebb.core.scale.Arrivals;
import dev.ebb.core.metrics.EmfFormat;
import dev.ebb.core.metrics.JobMeter;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.task.Lane;
import dev.ebb.core.scale.ScalingMetrics;
import dev.ebb.core.scale.ScalingPolicy;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local stand-in for the AWS scaler function and the ECS service: every {@code interval} it reads the gpu
 * lane's queue attributes from the local SQS server, counts its worker processes (a separate JVM each, as ECS runs
 * one task per worker) and the busy ones (those with task scale-in protection set through {@link LocalTaskAgent},
 * the same endpoint ECS offers), applies {@link ScalingPolicy}, and starts processes or stops idle ones with
 * SIGTERM (a graceful drain). A protected worker is never stopped.
 */
public final class LocalScaler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalScaler.class);
    private static final Pattern TIMINGS = Pattern.compile("jvmMs=(\\d+) loadMs=(\\d+) setUpMs=(\\d+)");

    /** What happened to one worker process, for logs, tests and the cold-start benchmark. */
    public record WorkerInfo(String id, long pid, Instant spawned, Instant started, Long jvmMillis, Long loadMillis,
                             Long setUpMillis, Instant stopRequested, boolean protectedAtStop, Integer exitCode,
                             WorkerAotCache.Use aot) {
    }

    private final class Managed {
        final String id;
        final WorkerProcess process;
        final Instant spawned;
        volatile Instant started;
        volatile Long jvmMillis;
        volatile Long loadMillis;
        volatile Long setUpMillis;
        final WorkerAotCache.Use aotUse;
        Instant stopRequested;
        boolean protectedAtStop;
        Integer exitCode;

        Managed(String id, Map<String, String> env) throws IOException {
            this.id = id;
            this.spawned = clock.instant();
            List<String> options = new ArrayList<>(jvmOptions);
            options.addAll(aot.optionsFor(id));
            this.aotUse = WorkerAotCache.use(options);
            this.process = WorkerProcess.start(id, env, options, this::line);
        }

        private void line(String line) {
            if (line.startsWith("{\"_aws\"")) {
                // The worker's metrics, as CloudWatch would extract them from its log on ECS.
                for (EmfFormat.Parsed parsed : EmfFormat.parse(line)) {
                    for (double value : parsed.values()) {
                        metrics.record(parsed.metric(), value, parsed.dimensions());
                    }
                }
                return;
            }
            if (started == null && line.contains("worker started")) {
                started = clock.instant();
            }
            Matcher timings = TIMINGS.matcher(line);
            if (jvmMillis == null && timings.find()) {
                jvmMillis = Long.parseLong(timings.group(1));
                loadMillis = Long.parseLong(timings.group(2));
                setUpMillis = Long.parseLong(timings.group(3));
            }
            log.debug("{}: {}", id, line);
        }

        WorkerInfo info() {
            return new WorkerInfo(id, process.pid(), spawned, started, jvmMillis, loadMillis, setUpMillis, stopRequested,
                    protectedAtStop, exitCode, aotUse);
        }
    }

    private final ScalingPolicy policy;
    private final SqsClient sqs;
    private final String queueUrl;
    private final Map<String, String> workerEnv;
    private final List<String> jvmOptions;
    private final WorkerAotCache aot;
    private final Clock clock;
    private final LocalTaskAgent agent;
    private final Map<String, Managed> active = new HashMap<>();
    private final List<Managed> history = new ArrayList<>();
    private final ScheduledExecutorService ticks;
    private Instant lowSince;
    private boolean settled = true;
    /** No worker process alive as of the last look: a submit then wakes the scaler at once. */
    private volatile boolean idle = true;
    private final java.util.concurrent.atomic.AtomicBoolean wakePending = new java.util.concurrent.atomic.AtomicBoolean();
    private int next = 1;
    private boolean closed;
    /** Jobs accepted on the lane so far (counted by the submit path), and the count and time at the last look. */
    private final java.util.concurrent.atomic.LongAdder arrived = new java.util.concurrent.atomic.LongAdder();
    private final Arrivals arrivals;
    /** Workers running and busy at each tick, and the metrics the worker processes write. */
    private volatile MetricsSink metrics = MetricsSink.NONE;

    /**
     * @param workerEnv  the workers' environment (as the task definition would give it)
     * @param jvmOptions options for each worker JVM
     * @param aot        the workers' ahead-of-time cache (trained by the first worker, used by the rest)
     */
    public LocalScaler(ScalingPolicy policy, SqsClient sqs, String queueUrl, Map<String, String> workerEnv,
                       List<String> jvmOptions, WorkerAotCache aot, Clock clock) throws IOException {
        this.aot = aot;
        this.policy = policy;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.workerEnv = Map.copyOf(workerEnv);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.clock = clock;
        this.agent = new LocalTaskAgent(clock);
        this.arrivals = new Arrivals(policy.settings().coolDown());
        this.ticks = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("local-scaler").daemon()
                .factory());
    }

    /** Where the workers gauge and the worker processes' own metrics go (set before {@link #start}). */
    public LocalScaler metrics(MetricsSink sink) {
        this.metrics = java.util.Objects.requireNonNull(sink);
        return this;
    }

    public LocalScaler start() {
        long every = Math.max(50, policy.settings().interval().toMillis());
        ticks.scheduleWithFixedDelay(this::tickQuietly, 0, every, TimeUnit.MILLISECONDS);
        log.info("local scaler: gpu workers {}..{}, every {} ms", policy.settings().minWorkers(),
                policy.settings().maxWorkers(), every);
        return this;
    }

    /**
     * Applies the policy now rather than at the next interval, when the lane has no worker (what the submit
     * function's wake does on AWS). Wakes that arrive while one is pending are one wake; with workers running, the
     * regular interval is soon enough.
     */
    public boolean wake() {
        if (!idle || !wakePending.compareAndSet(false, true)) {
            return false;
        }
        ticks.execute(() -> {
            wakePending.set(false);
            tickQuietly();
        });
        return true;
    }

    /** A job was accepted on the lane: the policy's arrival rate counts it at the next look. */
    public void arrived() {
        arrived.increment();
    }

    /** Every worker started so far, the stopped ones included. */
    public synchronized List<WorkerInfo> workers() {
        return history.stream().map(Managed::info).toList();
    }

    /** Worker processes alive and not asked to stop. */
    public synchronized int running() {
        reap();
        return (int) active.values().stream().filter(m -> m.stopRequested == null).count();
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (SdkException | IOException e) {
            log.warn("scaler tick failed: {}", e.toString());
        } catch (RuntimeException e) {
            log.error("scaler tick failed", e);
        }
    }

    synchronized void tick() throws IOException {
        if (closed) {
            return;
        }
        reap();
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        long visible = Long.parseLong(attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"));
        long inFlight = Long.parseLong(attributes.getOrDefault(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
        List<Managed> running = active.values().stream().filter(m -> m.stopRequested == null).toList();
        int starting = (int) running.stream().filter(m -> m.started == null).count();
        int busy = (int) running.stream().filter(m -> agent.isProtected(m.id)).count();
        Instant now = clock.instant();
        ScalingMetrics metrics = ScalingMetrics.of(visible, inFlight, running.size(), busy, now)
                .withStarting(starting);
        metrics = arrivals.look(metrics, arrived.sum());
        new JobMeter(this.metrics).workers(Lane.GPU, running.size(), busy);
        ScalingPolicy.Decision decision = policy.decide(metrics, lowSince, settled, now);
        lowSince = decision.lowSince();
        settled = decision.settled();
        int desired = decision.desired();
        if (desired != running.size()) {
            log.info("scale {} → {} ({}; visible={} inFlight={} busy={} starting={})", running.size(), desired,
                    decision.reason(), visible, inFlight, busy, starting);
        }
        for (int i = running.size(); i < desired; i++) {
            spawn();
        }
        idle = active.isEmpty();
        int surplus = running.size() - desired;
        // Newest first, and only workers that hold no job (no task protection); still-starting ones first.
        List<Managed> candidates = new ArrayList<>(running);
        candidates.sort((a, b) -> {
            if ((a.started == null) != (b.started == null)) {
                return a.started == null ? -1 : 1;
            }
            return b.spawned.compareTo(a.spawned);
        });
        for (Managed worker : candidates) {
            if (surplus <= 0) {
                break;
            }
            if (!agent.isProtected(worker.id)) {
                stop(worker);
                surplus--;
            }
        }
    }

    private void spawn() throws IOException {
        String id = "worker-" + next++;
        Map<String, String> env = new HashMap<>(workerEnv);
        env.put("ECS_AGENT_URI", agent.agentUri(id).toString());
        Managed worker = new Managed(id, env);
        active.put(id, worker);
        history.add(worker);
        log.info("{} starting (pid {})", id, worker.process.pid());
    }

    private void stop(Managed worker) {
        worker.protectedAtStop = agent.isProtected(worker.id);
        worker.stopRequested = clock.instant();
        worker.process.stop();
        log.info("{} stopping (SIGTERM)", worker.id);
    }

    private void reap() {
        for (Managed worker : List.copyOf(active.values())) {
            if (!worker.process.isAlive()) {
                try {
                    OptionalInt code = worker.process.awaitExit(Duration.ZERO);
                    worker.exitCode = code.isPresent() ? code.getAsInt() : null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                active.remove(worker.id);
                agent.forget(worker.id);
                aot.exited(worker.id);
                idle = active.isEmpty();
                if (worker.stopRequested == null) {
                    log.warn("{} exited on its own with {}", worker.id, worker.exitCode);
                } else {
                    log.info("{} exited with {}", worker.id, worker.exitCode);
                }
            }
        }
    }

    /** Stops every worker with SIGTERM and waits for their drains (SIGKILL past {@code deadline}). */
    public void close(Duration deadline) {
        synchronized (this) {
            closed = true;
        }
        ticks.shutdownNow();
        List<Managed> workers;
        synchronized (this) {
            workers = List.copyOf(active.values());
            workers.stream().filter(m -> m.stopRequested == null).forEach(this::stop);
        }
        long end = System.nanoTime() + deadline.toNanos();
        for (Managed worker : workers) {
            try {
                if (worker.process.awaitExit(Duration.ofNanos(Math.max(0, end - System.nanoTime()))).isEmpty()) {
                    log.warn("{} did not drain in time; killing it", worker.id);
                    worker.process.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            reap();
        }
        agent.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(40));
    }
}
