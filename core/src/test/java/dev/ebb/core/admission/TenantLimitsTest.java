package dev.ebb.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.JobService.How;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.tenant.ChargeDecision;
import dev.ebb.core.tenant.TenantCharge;
import dev.ebb.core.tenant.TenantPolicy;
import dev.ebb.core.tenant.TenantState;
import dev.ebb.core.tenant.TenantStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Kill switch, rate limit and budget, at submit and at claim, against the DynamoDB-compatible test server. */
class TenantLimitsTest {

    @Test
    void twoProcessesSubmittingAtOnce_neverExceedTheRateLimitTogether() throws Exception {
        // A frozen clock: no token comes back during the test, so exactly the burst may pass, whoever asks.
        FrontDoor door = new FrontDoor(Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC), Map.of());
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, 1.0, 10, 1000.0));
        JobService one = door.service();
        JobService two = door.service();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Object>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                JobService service = i % 2 == 0 ? one : two;
                String text = "What is " + i + " plus 1?";
                results.add(pool.submit((Callable<Object>) () -> {
                    start.await();
                    try {
                        return service.submit(FrontDoor.math("acme", text));
                    } catch (ApiException e) {
                        return e;
                    }
                }));
            }
            start.countDown();
            int accepted = 0;
            int limited = 0;
            for (Future<Object> result : results) {
                Object outcome = result.get();
                if (outcome instanceof JobService.Submitted s && s.how() == How.ACCEPTED) {
                    accepted++;
                } else if (outcome instanceof ApiException e) {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.code()).isEqualTo("rate_limited");
                    assertThat(e.retryAfterSeconds()).isPositive();
                    limited++;
                }
            }
            assertThat(accepted).as("the burst, shared by both").isEqualTo(10);
            assertThat(limited).isEqualTo(20);
        } finally {
            pool.shutdownNow();
        }
        assertThat(door.queue.sent).as("a limited request sends nothing").hasSize(10);
        assertThat(door.control.tenants().state("acme").reserved()).as("and reserves nothing").isEqualTo(10.0);
    }

    @Test
    void aRateLimit_refillsWithTime() {
        Instant t0 = Instant.parse("2026-12-02T12:00:00Z");
        FrontDoor door = new FrontDoor();
        TenantStore store = door.control.tenants();
        TenantCharge token = TenantCharge.token(2.0, 2);
        assertThat(store.charge("acme", token, t0)).isInstanceOf(ChargeDecision.Charged.class);
        assertThat(store.charge("acme", token, t0.plusMillis(100))).isInstanceOf(ChargeDecision.Charged.class);
        assertThat(store.charge("acme", token, t0.plusMillis(200))).isInstanceOfSatisfying(
                ChargeDecision.RateLimited.class, limited -> assertThat(limited.retryAfterSeconds()).isEqualTo(1));
        assertThat(store.charge("acme", token, t0.plusMillis(500))).isInstanceOf(ChargeDecision.Charged.class);
        Instant later = t0.plusSeconds(60);
        assertThat(store.charge("acme", token, later))
                .as("after an idle spell the bucket is full again").isInstanceOf(ChargeDecision.Charged.class);
        // Another process, which never saw the bucket, guesses it idle: wrong, and its second write is the right one.
        assertThat(door.newControl().tenants().charge("acme", token, later.plusMillis(100)))
                .isInstanceOf(ChargeDecision.Charged.class);
        assertThat(store.charge("acme", token, later.plusMillis(200))).as("the burst is spent, across both")
                .isInstanceOf(ChargeDecision.RateLimited.class);
    }

    @Test
    void theTokenAndTheReservation_areOneWrite_thatWritesBothOrNothing() {
        Instant t0 = Instant.parse("2026-12-02T12:00:00Z");
        FrontDoor door = new FrontDoor();
        TenantStore store = door.control.tenants();
        store.setPolicy("acme", new TenantPolicy(false, 1.0, 2, 1.0));
        TenantCharge oneJob = TenantCharge.token(1.0, 2).reserving(1.0);

        assertThat(store.charge("acme", oneJob, t0)).isInstanceOf(ChargeDecision.Charged.class);
        assertThat(store.charge("acme", oneJob, t0)).as("the budget is used up, the burst is not")
                .isInstanceOf(ChargeDecision.OverBudget.class);
        store.setPolicy("acme", new TenantPolicy(false, 1.0, 2, 10.0));
        assertThat(store.charge("acme", oneJob, t0)).as("the refused charge took no token: the burst's second is left")
                .isInstanceOf(ChargeDecision.Charged.class);
        assertThat(store.charge("acme", oneJob, t0)).isInstanceOfSatisfying(ChargeDecision.RateLimited.class,
                limited -> assertThat(limited.retryAfterSeconds()).isEqualTo(1));
        assertThat(store.state("acme").reserved()).as("the rate-limited charge reserved nothing").isEqualTo(2.0);

        store.setPolicy("acme", new TenantPolicy(false, 1.0, 2, 2.0));
        assertThat(store.charge("acme", oneJob, t0)).as("over both: the rate, which comes first, answers")
                .isInstanceOf(ChargeDecision.RateLimited.class);
        assertThat(store.charge("acme", TenantCharge.token(1.0, 2), t0.plusSeconds(10)))
                .as("a token alone (a cached answer) needs no budget left").isInstanceOf(ChargeDecision.Charged.class);
        assertThat(store.state("acme").reserved()).isEqualTo(2.0);
    }

    @Test
    void anOverBudgetRequest_takesNoToken_andARateLimitedOne_reservesNothing() {
        FrontDoor door = new FrontDoor(Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC), Map.of());
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, 1.0, 2, 1.0));
        JobService service = door.service();
        assertThat(service.submit(FrontDoor.math("acme", "What is 1 plus 1?")).how()).isEqualTo(How.ACCEPTED);
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 2 plus 2?")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(402));

        door.control.tenants().setPolicy("acme", new TenantPolicy(false, 1.0, 2, 10.0));
        assertThat(service.submit(FrontDoor.math("acme", "What is 3 plus 3?")).how())
                .as("the 402 left the burst's second token").isEqualTo(How.ACCEPTED);
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 4 plus 4?")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.code()).isEqualTo("rate_limited");
                    assertThat(e.retryAfterSeconds()).isEqualTo(1);
                });
        TenantState acme = door.control.tenants().state("acme");
        assertThat(acme.reserved()).as("only the two accepted jobs reserved").isEqualTo(2.0);
        assertThat(acme.available()).isEqualTo(8.0);
        assertThat(door.queue.sent).hasSize(2);
    }

    @Test
    void aCachedAnswer_costsAToken_andOverTheRateIsRefused_leavingNoJob() {
        FrontDoor door = new FrontDoor(Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC), Map.of());
        JobService service = door.service();
        service.submit(FrontDoor.math("acme", "What is 6 plus 6?"));
        door.runSent(); // the answer is cached now
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, 1.0, 1, 0.0));

        JobService.Submitted hit = service.submit(FrontDoor.math("acme", "What is 6 plus 6?"));
        assertThat(hit.how()).as("out of budget, a known answer is still given").isEqualTo(How.ANSWERED);
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 6 plus 6?")))
                .as("the hit took the burst's only token").isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo("rate_limited"));
        assertThat(FrontDoor.DYNAMO_DB.scan(r -> r.tableName(FrontDoor.JOBS)).count())
                .as("the first job and the answered one; the refused hit wrote none").isEqualTo(2);
        assertThat(door.control.tenants().state("acme").reserved()).as("a hit reserves nothing").isZero();
    }

    @Test
    void aRequestRefusedBetweenTheRateAndTheBudget_stillCountsAgainstTheRate_andOneOverTheRateHearsThatFirst() {
        FrontDoor door = new FrontDoor(Clock.fixed(Instant.parse("2026-12-02T12:00:00Z"), ZoneOffset.UTC), Map.of());
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, 1.0, 1, null));
        AdmissionStep refuseSome = new AdmissionStep() {
            @Override
            public Stage stage() {
                return Stage.CACHE;
            }

            @Override
            public Decision admit(Admission submit) {
                return submit.input().toString().contains("13") ? Decision.reject(ApiException.badRequest(
                        "unlucky", "no 13 here")) : Decision.pass();
            }
        };
        JobService.Builder builder = JobService.builder().store(door.jobs).queue(door.queue).tasks(door.tasks)
                .limits(dev.ebb.core.api.Limits.DEFAULTS).clock(door.clock).step(refuseSome);
        door.control.steps(door.jobs, dev.ebb.core.api.Limits.DEFAULTS, null).forEach(builder::step);
        JobService service = builder.build();

        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 13 plus 1?")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("unlucky"));
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 13 plus 2?")))
                .as("over the rate: told so, not the later refusal").isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo("rate_limited"));
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 1 plus 2?")))
                .as("the refused request took the burst's only token").isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo("rate_limited"));
        assertThat(door.queue.sent).isEmpty();
        assertThat(door.control.tenants().state("acme").reserved()).isZero();
    }

    @Test
    void aBudget_stopsOneTenant_andNotAnother() {
        FrontDoor door = new FrontDoor();
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, null, null, 3.0));
        door.control.tenants().setPolicy("globex", new TenantPolicy(false, null, null, 100.0));
        JobService service = door.service();
        for (int i = 0; i < 3; i++) {
            assertThat(service.submit(FrontDoor.math("acme", "What is " + i + " plus 2?")).how())
                    .isEqualTo(How.ACCEPTED);
        }
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 7 plus 2?")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(402);
                    assertThat(e.code()).isEqualTo("budget_exceeded");
                });
        for (int i = 0; i < 5; i++) {
            assertThat(service.submit(FrontDoor.math("globex", "What is " + i + " plus 2?")).how())
                    .isEqualTo(How.ACCEPTED);
        }
        assertThat(door.queue.sent.stream().filter(e -> e.tenant().equals("acme"))).hasSize(3);
        TenantState acme = door.control.tenants().state("acme");
        assertThat(acme.reserved()).isEqualTo(3.0);
        assertThat(acme.available()).isZero();

        door.runSent();
        acme = door.control.tenants().state("acme");
        assertThat(acme.spent()).as("settled on completion").isEqualTo(3.0);
        assertThat(acme.reserved()).isZero();
        assertThat(door.control.tenants().state("globex").available()).isEqualTo(95.0);

        // Out of budget, a tenant still gets what is already known: a cached answer costs nothing.
        assertThat(service.submit(FrontDoor.math("acme", "What is 0 plus 2?")).how()).isEqualTo(How.ANSWERED);
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 8 plus 2?")))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void aBatchSettlesOncePerTenant_andJobByJobWhereTheSumWasNotReserved() {
        FrontDoor door = new FrontDoor();
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, null, null, 10.0));
        JobService service = door.service();
        for (int i = 0; i < 3; i++) {
            service.submit(FrontDoor.math("acme", "What is " + i + " times 3?"));
        }
        // One of the three was accepted before its deployment reserved budgets: 2 reserved, 3 to be released.
        FrontDoor.DYNAMO_DB.updateItem(r -> r.tableName(FrontDoor.TENANTS)
                .key(Map.of("tenant", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("acme")))
                .updateExpression("SET reserved = :two")
                .expressionAttributeValues(Map.of(":two",
                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN("2"))));

        door.runSent(); // one batch: the summed settlement (3) finds 2 reserved, so each job settles alone

        TenantState acme = door.control.tenants().state("acme");
        assertThat(acme.reserved()).as("never below zero").isZero();
        assertThat(acme.spent()).as("the two reservations that were made, charged").isEqualTo(2.0);
    }

    @Test
    void aTenantWithoutABudget_reservesNothing_butEverySuccessIsCharged_andAnAnswerByMeaningIsFree() {
        FrontDoor door = new FrontDoor();
        JobService service = door.service();
        service.submit(FrontDoor.math("acme", "What is 6 times 7?"));
        service.submit(FrontDoor.math("acme", "What is 6 times 8?"));
        assertThat(door.control.tenants().state("acme").reserved()).as("nothing to protect").isZero();

        door.runSent();
        assertThat(door.control.tenants().state("acme").spent()).as("charged all the same").isEqualTo(2.0);

        // A job answered by the semantic cache (a similarity on its end) ran no model: released, not charged.
        var settlement = new dev.ebb.core.tenant.BudgetSettlement(door.control.tenants(), door.tasks);
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, null, null, 10.0));
        service.submit(FrontDoor.math("acme", "What is 6 times 9?"));
        var envelope = door.queue.sent.getFirst();
        assertThat(envelope.reserved()).as("reserved, now that there is a budget").isEqualTo(1.0);
        settlement.completed(List.of(new dev.ebb.core.run.CompletionListener.Ended(envelope,
                dev.ebb.core.task.Outcome.success(dev.ebb.core.Json.MAPPER.createObjectNode()), 0, 0.97)));
        TenantState acme = door.control.tenants().state("acme");
        assertThat(acme.reserved()).isZero();
        assertThat(acme.spent()).isEqualTo(2.0);
    }

    @Test
    void aJobQueuedBeforeItsTenantRanOutOfBudget_isRefusedAtClaim_andNotRun() {
        FrontDoor door = new FrontDoor();
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, null, null, 5.0));
        JobService service = door.service();
        String queued = service.submit(FrontDoor.math("acme", "What is 5 times 5?")).job().jobId();
        String other = service.submit(FrontDoor.math("globex", "What is 5 times 6?")).job().jobId();

        door.control.tenants().setPolicy("acme", new TenantPolicy(false, null, null, 0.0)); // cut while it waited
        door.runSent();

        Job refused = service.get("acme", queued);
        assertThat(refused.status()).isEqualTo(JobStatus.FAILED);
        assertThat(refused.error().code()).isEqualTo("budget_exceeded");
        assertThat(refused.result()).as("not run").isNull();
        assertThat(service.get("globex", other).status()).isEqualTo(JobStatus.SUCCEEDED);
        TenantState acme = door.control.tenants().state("acme");
        assertThat(acme.spent()).as("nothing charged").isZero();
        assertThat(acme.reserved()).as("its reservation released").isZero();
        assertThat(acme.available()).isZero();
    }

    @Test
    void aCancelledJob_givesItsReservationBack_once() {
        FrontDoor door = new FrontDoor();
        door.control.tenants().setPolicy("acme", new TenantPolicy(false, null, null, 2.0));
        JobService service = door.service();
        String cancelled = service.submit(FrontDoor.math("acme", "What is 4 plus 4?")).job().jobId();
        service.submit(FrontDoor.math("acme", "What is 4 plus 5?"));
        assertThat(door.control.tenants().state("acme").available()).isZero();

        service.cancel("acme", cancelled);
        assertThatThrownBy(() -> service.cancel("acme", cancelled)).isInstanceOf(ApiException.class);
        door.runSent(); // its message finds the job ended: not run, not settled again

        TenantState acme = door.control.tenants().state("acme");
        assertThat(acme.reserved()).isZero();
        assertThat(acme.spent()).as("only the job that ran").isEqualTo(1.0);
        assertThat(acme.available()).isEqualTo(1.0);
    }

    @Test
    void theKillSwitch_refusesATenantOrTheService_atSubmitAndAtClaim() {
        FrontDoor door = new FrontDoor();
        JobService service = door.service();
        String waiting = service.submit(FrontDoor.math("acme", "What is 1 plus 9?")).job().jobId();

        door.control.tenants().setPolicy("acme", new TenantPolicy(true, null, null, null));
        assertThatThrownBy(() -> service.submit(FrontDoor.math("acme", "What is 2 plus 9?")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("tenant_disabled");
                    assertThat(e.retryAfterSeconds()).isPositive();
                });
        assertThat(door.queue.sent).as("only the job from before the switch").hasSize(1);
        assertThat(service.submit(FrontDoor.math("globex", "What is 2 plus 9?")).how()).isEqualTo(How.ACCEPTED);

        door.runSent();
        Job stopped = service.get("acme", waiting);
        assertThat(stopped.status()).isEqualTo(JobStatus.FAILED);
        assertThat(stopped.error().code()).isEqualTo("tenant_disabled");
        assertThat(door.control.tenants().state("acme").spent()).isZero();

        door.control.tenants().setServiceDisabled(true);
        assertThatThrownBy(() -> service.submit(FrontDoor.math("globex", "What is 3 plus 9?")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("service_disabled");
                });
        door.control.tenants().setServiceDisabled(false);
        door.control.tenants().setPolicy("acme", TenantPolicy.NONE);
        assertThat(service.submit(FrontDoor.math("acme", "What is 2 plus 9?")).how()).isEqualTo(How.ACCEPTED);
    }

    @Test
    void limitsThatMakeNoSense_areRefusedWhenSet() {
        FrontDoor door = new FrontDoor();
        TenantStore store = door.control.tenants();
        for (TenantPolicy nonsense : List.of(new TenantPolicy(false, 0.0, null, null),
                new TenantPolicy(false, -1.0, null, null), new TenantPolicy(false, Double.NaN, null, null),
                new TenantPolicy(false, null, 5, null), new TenantPolicy(false, 1.0, 0, null),
                new TenantPolicy(false, null, null, -1.0), new TenantPolicy(false, null, null, Double.NaN),
                new TenantPolicy(false, null, null, Double.POSITIVE_INFINITY))) {
            assertThatThrownBy(() -> store.setPolicy("acme", nonsense)).as(nonsense.toString())
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(store.state("acme").policy()).isEqualTo(TenantPolicy.NONE);
    }
}
