package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.Json;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobError;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.LastError;
import dev.ebb.core.run.CrashPolicy.Decision;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The runner's decision on a job whose message came back, from the job item alone (no network). */
class CrashPolicyTest {
    private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");
    private final CrashPolicy policy = new CrashPolicy(5);

    @Test
    void decide_whenTheJobNeverRan_claimsItWithItsBatch() {
        assertThat(policy.decide(queued(), NOW)).isEqualTo(new Decision.Batched());
    }

    @Test
    void decide_whenTheJobEndedOrIsGone_hasNothingToDo() {
        assertThat(policy.decide(null, NOW)).isEqualTo(new Decision.Finished());
        Job done = job(JobStatus.FAILED, null, null, null, 1, 0, false);
        assertThat(policy.decide(done, NOW)).isEqualTo(new Decision.Finished());
    }

    @Test
    void decide_whenALiveRunHoldsIt_leavesIt() {
        assertThat(policy.decide(running("w#1", NOW.plusSeconds(5), null, 0, false), NOW))
                .isEqualTo(new Decision.Held());
    }

    @Test
    void decide_whenTheLastRunInABatchVanished_runsItAloneWithoutCountingThatRun() {
        assertThat(policy.decide(running("w#1", NOW.minusSeconds(1), null, 0, false), NOW))
                .as("a batched run that vanished is not the job's fault (yet): it runs alone, nothing counted")
                .isEqualTo(new Decision.Alone(0));
    }

    @Test
    void decide_whenARunAloneVanished_countsIt() {
        assertThat(policy.decide(running("w#2", NOW.minusSeconds(1), null, 1, true), NOW))
                .isEqualTo(new Decision.Alone(2));
    }

    @Test
    void decide_whenRunsAloneVanishedMaxRunsMinusOneTimes_isPoison() {
        assertThat(policy.decide(running("w#5", NOW.minusSeconds(1), null, 3, true), NOW))
                .as("one batched run and four alone: five runs, the limit")
                .isEqualTo(new Decision.Poison(4));
    }

    @Test
    void decide_whenTheLastRunRecordedWhyItLeftTheJob_claimsItWithItsBatch() {
        LastError own = new LastError("store_unavailable", "completion not written", NOW.minusSeconds(2), "w#3");
        assertThat(policy.decide(running("w#3", NOW.minusSeconds(1), own, 3, true), NOW))
                .as("the run ended with a trace: its worker did not die, nothing is counted")
                .isEqualTo(new Decision.Batched());
    }

    @Test
    void decide_whenOnlyAnEarlierRunRecordedAnError_theLastRunStillVanished() {
        LastError earlier = new LastError("lease_lost", "late", NOW.minusSeconds(9), "w#1");
        assertThat(policy.decide(running("w#2", NOW.minusSeconds(1), earlier, 0, true), NOW))
                .isEqualTo(new Decision.Alone(1));
    }

    @Test
    void new_withFewerThanTwoRuns_isRefused() {
        assertThatThrownBy(() -> new CrashPolicy(1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Job queued() {
        return job(JobStatus.QUEUED, null, null, null, 0, 0, false);
    }

    private static Job running(String owner, Instant leaseUntil, LastError lastError, int crashedAlone,
                               boolean runsAlone) {
        return job(JobStatus.RUNNING, owner, leaseUntil, lastError, 1, crashedAlone, runsAlone);
    }

    private static Job job(JobStatus status, String owner, Instant leaseUntil, LastError lastError, int attempts,
                           int crashedAlone, boolean runsAlone) {
        JobError error = status == JobStatus.FAILED ? new JobError("task_error", "x") : null;
        return new Job("j-1", "t", "math", Lane.CPU, null, Json.MAPPER.createObjectNode(), status, attempts,
                NOW.minusSeconds(60), owner == null ? null : NOW.minusSeconds(10), null, null, error, owner,
                leaseUntil, null, "h", NOW.plus(Duration.ofDays(1)), null, null, lastError, crashedAlone, runsAlone);
    }
}
