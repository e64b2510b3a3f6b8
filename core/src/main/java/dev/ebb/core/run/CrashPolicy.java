package dev.ebb.core.run;

import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.LastError;
import java.time.Instant;

/**
 * Tells a job whose earlier run crashed its worker from one that shared a worker with such a job, by counting runs
 * on the job item rather than receives of its message.
 *
 * <p>A worker that dies (SIGKILL, out of memory, a model runtime that aborts) takes every message it holds with it:
 * the ones in its prefetch buffer, the batch it claimed ahead, the batch it runs. SQS counts a receive against each,
 * so its receive count says nothing about which of them caused the death. The job item says more: a run that ends
 * with a result, a failure or a recorded error ({@code lastError}) leaves a trace; a run whose worker died leaves the
 * job RUNNING under its claim with a lapsed lease and nothing recorded by that claim: it <em>vanished</em>.
 *
 * <p>The rule: a job whose last run vanished runs <em>alone</em> next time: its own claim, its own {@code runBatch}
 * call while nothing else runs in the process, noted on the item ({@code runsAlone}) as it starts, and completed
 * before the rest of its batch runs. Only runs that started alone and vanished count
 * toward poison ({@code crashedAlone}), so the batch-mates of a poison input, and jobs that never ran at all, are
 * never blamed for it. When a job's alone runs have vanished {@code maxRuns - 1} times (so it had at most
 * {@code maxRuns} runs: one in a batch, the rest alone), it is poison: it ends FAILED {@code dead_lettered}, with the
 * reason, and is marked for redrive, without running again.
 */
public final class CrashPolicy {
    private final int maxRuns;

    /** @param maxRuns runs of a job that may end with its worker dying before it is taken as poison (at least 2) */
    public CrashPolicy(int maxRuns) {
        if (maxRuns < 2) {
            throw new IllegalArgumentException("maxRuns must be at least 2 (one in a batch, one alone), was " + maxRuns);
        }
        this.maxRuns = maxRuns;
    }

    public int maxRuns() {
        return maxRuns;
    }

    /** What to do with a job whose message came back, read from its item. */
    public sealed interface Decision {
        /** Ended, expired or gone: the message has nothing left to do. */
        record Finished() implements Decision {
        }

        /** RUNNING under a lease that has not lapsed: a live worker holds it. */
        record Held() implements Decision {
        }

        /** Never ran, or its last run ended with a trace: claim it with its batch as usual. */
        record Batched() implements Decision {
        }

        /** Its last run vanished: run it alone; {@code crashedAlone} is its count after that run. */
        record Alone(int crashedAlone) implements Decision {
        }

        /** Its runs alone vanished {@code crashedAlone} times, the limit: end it, do not run it again. */
        record Poison(int crashedAlone) implements Decision {
        }
    }

    public Decision decide(Job job, Instant now) {
        if (job == null || job.isExpired(now) || job.status().isTerminal()) {
            return new Decision.Finished();
        }
        if (job.status() != JobStatus.RUNNING) {
            return new Decision.Batched();
        }
        if (job.leaseUntil() != null && !job.leaseUntil().isBefore(now)) {
            return new Decision.Held();
        }
        if (!vanished(job)) {
            return new Decision.Batched();
        }
        int crashedAlone = job.crashedAlone() + (job.runsAlone() ? 1 : 0);
        return crashedAlone >= maxRuns - 1 ? new Decision.Poison(crashedAlone) : new Decision.Alone(crashedAlone);
    }

    /** RUNNING under a lapsed lease, and its last claim recorded nothing: that run's worker died. */
    static boolean vanished(Job job) {
        if (job.leaseOwner() == null) {
            return false;
        }
        LastError last = job.lastError();
        return last == null || !job.leaseOwner().equals(last.by());
    }
}
