package dev.ebb.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Overflow: the lane's depth against its drain rate, measured from the workers' completion counter in the tenants
 * table (real, on the test server). The depth here is a counter the test sets (the SQS adapter's own test, against
 * ElasticMQ, is in functions/).
 */
class OverflowTest {
    private final AtomicLong depth = new AtomicLong();
    private final AtomicInteger depthReads = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private LaneDepth depths() {
        return lane -> {
            depthReads.incrementAndGet();
            return depth.get();
        };
    }

    @Test
    void overflow_answers503_withARetryAfterFromDepthAndMeasuredDrainRate_and202CarriesTheEta() {
        FrontDoor door = new FrontDoor();
        LaneBacklog backlog = new LaneBacklog(depths(), door.control.tenants(), Duration.ofSeconds(1),
                Duration.ofSeconds(60), nanos::get);
        JobService service = serviceWith(door, new Overflow(backlog, 100));
        // A budget, so that the accepted job reserves and the overflowed one's reservation must be undone.
        door.control.tenants().setPolicy("acme", new dev.ebb.core.tenant.TenantPolicy(false, null, null, 100.0));
        depth.set(80);
        backlog.snapshot(Lane.CPU); // the first sample: no drain measured yet
        door.control.tenants().addCompleted(Lane.CPU, 50); // workers end 50 jobs in the next 10 s: 5 per second
        nanos.addAndGet(10_000_000_000L);

        JobService.Submitted accepted = service.submit(FrontDoor.math("acme", "What is 1 plus 1?"));
        assertThat(accepted.eta()).as("80 jobs at 5 per second").isEqualTo(Duration.ofSeconds(16));

        depth.set(120);
        nanos.addAndGet(1_000_000_000L);
        int sentBefore = door.queue.sent.size();
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 1 plus 2?")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("overloaded");
                    // 20 over the limit, at 50 jobs in 11 s
                    assertThat(e.retryAfterSeconds()).isEqualTo((long) Math.ceil(20 / (50 / 11.0)));
                });
        assertThat(door.queue.sent).as("an overflowed request sends nothing").hasSize(sentBefore);
        assertThat(door.control.tenants().state("acme").reserved()).as("and keeps no reservation").isEqualTo(1.0);
    }

    @Test
    void theBacklog_isReadAtMostOnceASecond_howeverManyRequestsAsk() {
        FrontDoor door = new FrontDoor();
        LaneBacklog backlog = new LaneBacklog(depths(), door.control.tenants(), Duration.ofSeconds(1),
                Duration.ofSeconds(60), nanos::get);
        for (int i = 0; i < 100; i++) {
            backlog.snapshot(Lane.GPU);
            nanos.addAndGet(5_000_000L); // 100 requests over half a second
        }
        assertThat(depthReads.get()).isEqualTo(1);
        nanos.addAndGet(600_000_000L);
        backlog.snapshot(Lane.GPU);
        assertThat(depthReads.get()).isEqualTo(2);
    }

    @Test
    void withNoDrainMeasured_theEtaIsTheUnknownOne() {
        assertThat(new LaneBacklog.Snapshot(10, 0).eta()).isEqualTo(LaneBacklog.UNKNOWN_ETA);
        assertThat(new LaneBacklog.Snapshot(0, 0).eta()).isZero();
    }

    private static JobService serviceWith(FrontDoor door, AdmissionStep overflow) {
        JobService.Builder builder = JobService.builder().store(door.jobs).queue(door.queue).tasks(door.tasks)
                .limits(dev.ebb.core.api.Limits.DEFAULTS).clock(door.clock)
                .step(new BudgetReservation(door.control.states())).step(overflow);
        return builder.build();
    }
}
