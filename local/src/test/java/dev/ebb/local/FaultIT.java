package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.local.fault.FaultSuite;
import dev.ebb.local.fault.FaultSuite.Report;
import dev.ebb.local.fault.FaultSuite.Scenario;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The fault suite's short form, as CI runs it: each scenario on its own throw-away local cloud with real worker
 * processes. {@code -Debb.fault.jobs=N} sets the size (the full run is {@code ./ebb fault}, docs/reliability.md).
 */
class FaultIT {
    private static final int JOBS = Integer.getInteger("ebb.fault.jobs", 600);

    @Test
    void killedWorkers_loseNothingAndShowOneResultPerJob() throws Exception {
        Report report = FaultSuite.run(new FaultSuite.Options(Scenario.KILL, JOBS, Duration.ofSeconds(2), 6, 16),
                System.out);
        report.print(System.out);

        assertThat(report.accepted()).isEqualTo(JOBS);
        assertThat(report.lost()).as("lost").isZero();
        assertThat(report.unexpected()).as("unexpected").isZero();
        assertThat(report.duplicateResults()).as("duplicate results").isZero();
        assertThat(report.kills()).as("workers were killed while jobs ran").isPositive();
        assertThat(report.outcomes()).containsKey("SUCCEEDED");
        assertThat(report.healthyFailed()).as("healthy jobs FAILED (dead-lettered by crashes they did not cause)")
                .isZero();
    }

    @Test
    void restartedServers_loseNoAcceptedJob_beforeDuringOrAfter() throws Exception {
        Report report = FaultSuite.run(new FaultSuite.Options(Scenario.RESTART, JOBS, Duration.ofSeconds(2), 2, 16),
                System.out);
        report.print(System.out);

        assertThat(report.lost()).as("lost").isZero();
        assertThat(report.unexpected()).as("unexpected: a job the client was told failed").isZero();
        assertThat(report.duplicateResults()).as("duplicate results").isZero();
        assertThat(report.acceptedByPhase()).containsKeys("before", "sqs down", "after sqs", "dynamodb down",
                "after dynamodb");
        assertThat(report.accepted() + report.notAccepted()).isEqualTo(report.submitted());
    }

    @Test
    void poisonJobs_endFailedWithinMaxRuns_healthyBatchMatesDoNot_andARedriveBringsThemBack() throws Exception {
        Report report = FaultSuite.run(new FaultSuite.Options(Scenario.POISON, JOBS / 3, Duration.ofSeconds(2), 2, 8),
                System.out);
        report.print(System.out);

        assertThat(report.poisonJobs()).isGreaterThanOrEqualTo(5);
        assertThat(report.poisonDeadLettered()).as("poison jobs FAILED dead_lettered").isEqualTo(report.poisonJobs());
        assertThat(report.poisonWithinMaxReceives()).isEqualTo(report.poisonJobs());
        assertThat(report.poisonRedriven()).isGreaterThanOrEqualTo(report.poisonJobs());
        assertThat(report.poisonSucceededAfterRedrive()).isEqualTo(report.poisonJobs());
        assertThat(report.healthyFailed()).as("healthy jobs that shared a crashed worker with poison, FAILED")
                .isZero();
        assertThat(report.collateralDeadLettered()).isZero();
        assertThat(report.lost()).as("lost").isZero();
        assertThat(report.unexpected()).as("unexpected").isZero();
        assertThat(report.duplicateResults()).as("duplicate results").isZero();
    }
}
