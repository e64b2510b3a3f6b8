package dev.ebb.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.ebb.core.testing.TestDynamoDb;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.job.JobStore.CancelResult;
import dev.ebb.core.job.JobStore.ClaimResult;
import dev.ebb.core.job.JobStore.CompleteResult;
import dev.ebb.core.job.JobStore.Completion;
import dev.ebb.core.job.JobStore.CreateResult;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * {@link DynamoDbJobStore} against the DynamoDB-compatible test server (Dynoxide): the conditions, the 25-item transactions
 * and their fallbacks run for real. A fresh {@code jobs} table per test. Items in a given state are written
 * straight into the table ({@link Fixture#seed}) and read back raw, so a test does not rely on the code it checks
 * to set up or observe. Times are chosen by the tests (the API takes {@code now}); only {@link JobStore#find}
 * reads the clock, so every job expires a day after {@link #T0}, which is close to the real now.
 */
class DynamoDbJobStoreTest {
    static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    static final Instant EXPIRES = T0.plus(Duration.ofDays(1));
    static final Instant LATER_EXPIRES = T0.plus(Duration.ofDays(7));
    static final Duration LEASE = Duration.ofSeconds(60);

    final Fixture db = new Fixture();
    final DynamoDbJobStore store = new DynamoDbJobStore(Fixture.AWS_STRICT, Fixture.TABLE);

    @BeforeEach
    void freshTable() {
        db.recreateTable();
    }

    // ------------------------------------------------------------------------------------------ create, find

    @Test
    void create_whenNew_returnsCreatedAndStoresAQueuedItemWithExpiry() {
        Job job = queued("j-1");

        assertThat(store.create(job)).isEqualTo(new CreateResult.Created(job));

        Map<String, AttributeValue> item = db.item("j-1");
        assertThat(item.get("status").s()).isEqualTo("QUEUED");
        assertThat(item.get("tenant").s()).isEqualTo("tenant-a");
        assertThat(item.get("expiresAt").n()).isEqualTo(Long.toString(EXPIRES.getEpochSecond()));
        assertThat(db.stored("j-1")).isEqualTo(job);
    }

    @Test
    void create_whenIdExists_returnsAlreadyExistsWithTheStoredJobAndKeepsIt() {
        Job original = queued("j-1");
        store.create(original);
        Job replay = withInput(queued("j-1"), "{\"x\":2}");

        CreateResult result = store.create(replay);

        assertThat(result).isEqualTo(new CreateResult.AlreadyExists(original));
        assertThat(db.stored("j-1")).isEqualTo(original);
    }

    @Test
    void create_whenTheExistingItemHasExpired_createsOverIt() {
        db.seed(expired("j-1"));
        Job job = queued("j-1");

        assertThat(store.create(job)).isEqualTo(new CreateResult.Created(job));
        assertThat(db.stored("j-1")).isEqualTo(job);
    }

    @Test
    void find_whenTheItemHasExpired_treatsItAsGone() {
        db.seed(expired("j-old"));
        db.seed(queued("j-live"));

        assertThat(store.find("j-old")).isEmpty();
        assertThat(db.item("j-old")).as("still in the table until TTL deletes it").isNotEmpty();
        assertThat(store.find("j-live")).contains(queued("j-live"));
        assertThat(store.find("j-missing")).isEmpty();
    }

    @Test
    void createAll_whenThreeOf30AlreadyExist_createsTheOthersAndReportsTheThreeInPlace() {
        List<Integer> existing = List.of(3, 24, 25); // the last of the first transaction, the first of the second
        List<Job> jobs = IntStream.range(0, 30).mapToObj(i -> queued("j-" + i)).toList();
        for (int i : existing) {
            db.seed(ofTenant(jobs.get(i), "tenant-old"));
        }
        Map<Integer, Map<String, AttributeValue>> before = new HashMap<>();
        existing.forEach(i -> before.put(i, db.item("j-" + i)));

        List<CreateResult> results = store.createAll(jobs);

        assertThat(results).hasSize(30);
        for (int i = 0; i < 30; i++) {
            if (existing.contains(i)) {
                assertThat(results.get(i)).as("position %d", i)
                        .isEqualTo(new CreateResult.AlreadyExists(ofTenant(jobs.get(i), "tenant-old")));
                assertThat(db.item("j-" + i)).as("existing j-%d unchanged", i).isEqualTo(before.get(i));
            } else {
                assertThat(results.get(i)).as("position %d", i).isEqualTo(new CreateResult.Created(jobs.get(i)));
                assertThat(db.stored("j-" + i)).isEqualTo(jobs.get(i));
            }
        }
        assertThat(db.count()).isEqualTo(30);
    }

    @Test
    void createAll_whenTheSameIdComesTwice_createsItOnceAndReportsTheOtherAsExisting() {
        // JobStore.createAll does not ask for distinct ids (claimAll and completeAll do): concurrent replays of one
        // idempotency key reach it together through GroupCommitJobStore.
        Job job = queued("j-1");

        List<CreateResult> results = store.createAll(List.of(queued("j-0"), job, job));

        assertThat(results.get(0)).isEqualTo(new CreateResult.Created(queued("j-0")));
        assertThat(results.subList(1, 3)).containsExactlyInAnyOrder(
                new CreateResult.Created(job), new CreateResult.AlreadyExists(job));
        assertThat(db.stored("j-1")).isEqualTo(job);
    }

    // ------------------------------------------------------------------------------------------ claim

    @Test
    void claim_whenQueued_takesTheLeaseForTheFirstAttempt() {
        db.seed(queued("j-1"));

        ClaimResult result = store.claim("j-1", "w1", T0.plus(LEASE), T0);

        assertThat(result).isEqualTo(new ClaimResult.Claimed());
        Job stored = db.stored("j-1");
        assertThat(stored.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(stored.leaseOwner()).isEqualTo("w1");
        assertThat(stored.leaseUntil()).isEqualTo(T0.plus(LEASE));
        assertThat(stored.startedAt()).isEqualTo(T0);
        assertThat(stored.attempts()).isEqualTo(1);
    }

    @Test
    void claim_whenAnotherOwnerHoldsALiveLease_returnsLeasedAndLeavesTheJob() {
        db.seed(queued("j-1"));
        store.claim("j-1", "w1", T0.plus(LEASE), T0);
        Map<String, AttributeValue> before = db.item("j-1");

        ClaimResult result = store.claim("j-1", "w2", T0.plus(LEASE).plusSeconds(30), T0.plusSeconds(30));

        assertThat(result).isEqualTo(new ClaimResult.Leased("w1", T0.plus(LEASE)));
        assertThat(db.item("j-1")).isEqualTo(before);
    }

    @Test
    void claim_whenTheLeaseHasLapsed_claimsAgainWithASecondAttempt() {
        db.seed(queued("j-1"));
        store.claim("j-1", "w1", T0.plus(LEASE), T0);
        Instant later = T0.plus(LEASE).plusSeconds(1);

        ClaimResult result = store.claim("j-1", "w2", later.plus(LEASE), later);

        assertThat(result).isEqualTo(new ClaimResult.Claimed());
        Job stored = db.stored("j-1");
        assertThat(stored.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(stored.leaseOwner()).isEqualTo("w2");
        assertThat(stored.leaseUntil()).isEqualTo(later.plus(LEASE));
        assertThat(stored.attempts()).isEqualTo(2);
    }

    @Test
    void claim_whenSucceeded_returnsFinishedWithTheJob() {
        Job done = succeeded("j-1");
        db.seed(done);

        assertThat(store.claim("j-1", "w1", T0.plus(LEASE), T0)).isEqualTo(new ClaimResult.Finished(Optional.of(done)));
        assertThat(db.stored("j-1")).isEqualTo(done);
    }

    @Test
    void claim_whenMissing_returnsFinishedEmptyAndWritesNothing() {
        assertThat(store.claim("j-none", "w1", T0.plus(LEASE), T0)).isEqualTo(new ClaimResult.Finished(Optional.empty()));
        assertThat(db.item("j-none")).isEmpty();
    }

    @Test
    void claim_whenExpired_returnsFinishedAndLeavesItQueued() {
        db.seed(expired("j-1"));

        ClaimResult result = store.claim("j-1", "w1", T0.plus(LEASE), T0);

        assertThat(result).isInstanceOf(ClaimResult.Finished.class);
        assertThat(db.stored("j-1").status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void claimAll_whenSomeJobsAreTakenFinishedOrMissing_claimsOnlyTheFreeOnes() {
        // 36 ids over two transactions, six kinds in turn.
        List<String> ids = IntStream.range(0, 36).mapToObj(i -> "j-" + i).toList();
        for (int i = 0; i < ids.size(); i++) {
            switch (i % 6) {
                case 0, 4 -> db.seed(queued(ids.get(i)));
                case 1 -> db.seed(running(ids.get(i), "other", T0.plus(LEASE)));
                case 2 -> db.seed(succeeded(ids.get(i)));
                case 3 -> { } // missing
                case 5 -> db.seed(running(ids.get(i), "other", T0.minusSeconds(1))); // lapsed lease
                default -> throw new AssertionError();
            }
        }

        List<ClaimResult> results = store.claimAll(ids, "me", T0.plus(LEASE), T0);

        assertThat(results).hasSize(36);
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            ClaimResult result = results.get(i);
            switch (i % 6) {
                case 0, 4 -> {
                    assertThat(result).as("queued %s", id).isEqualTo(new ClaimResult.Claimed());
                    assertThat(db.stored(id)).satisfies(job -> {
                        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
                        assertThat(job.leaseOwner()).isEqualTo("me");
                        assertThat(job.attempts()).isEqualTo(1);
                    });
                }
                case 1 -> {
                    assertThat(result).as("leased %s", id).isEqualTo(new ClaimResult.Leased("other", T0.plus(LEASE)));
                    assertThat(db.stored(id)).isEqualTo(running(id, "other", T0.plus(LEASE)));
                }
                case 2 -> {
                    assertThat(result).as("succeeded %s", id)
                            .isEqualTo(new ClaimResult.Finished(Optional.of(succeeded(id))));
                    assertThat(db.stored(id)).isEqualTo(succeeded(id));
                }
                case 3 -> {
                    assertThat(result).as("missing %s", id).isEqualTo(new ClaimResult.Finished(Optional.empty()));
                    assertThat(db.item(id)).isEmpty();
                }
                case 5 -> {
                    assertThat(result).as("lapsed %s", id).isEqualTo(new ClaimResult.Claimed());
                    assertThat(db.stored(id)).satisfies(job -> {
                        assertThat(job.leaseOwner()).isEqualTo("me");
                        assertThat(job.attempts()).isEqualTo(2);
                    });
                }
                default -> throw new AssertionError();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ complete

    @Test
    void complete_byTheOwner_storesTheResultDropsTheLeaseAndMovesTheExpiry() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));
        Instant now = T0.plusSeconds(5);

        CompleteResult result = store.complete("j-1", "w1", success("{\"sum\":3}"), now, LATER_EXPIRES);

        assertThat(result).isEqualTo(new CompleteResult.Completed());
        Map<String, AttributeValue> item = db.item("j-1");
        assertThat(item).doesNotContainKeys("leaseOwner", "leaseUntil");
        assertThat(item.get("expiresAt").n()).isEqualTo(Long.toString(LATER_EXPIRES.getEpochSecond()));
        Job stored = db.stored("j-1");
        assertThat(stored.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(stored.result()).isEqualTo(json("{\"sum\":3}"));
        assertThat(stored.finishedAt()).isEqualTo(now);
    }

    @Test
    void complete_whenAlreadyCompleted_returnsNotOwnerAndTheFirstResultStays() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));
        store.complete("j-1", "w1", success("1"), T0, LATER_EXPIRES);
        Job first = db.stored("j-1");

        CompleteResult again = store.complete("j-1", "w1", success("2"), T0.plusSeconds(1), LATER_EXPIRES);
        CompleteResult other = store.complete("j-1", "w2", failure(), T0.plusSeconds(2), LATER_EXPIRES);

        assertThat(again).isEqualTo(new CompleteResult.NotOwner(Optional.of(first)));
        assertThat(other).isEqualTo(new CompleteResult.NotOwner(Optional.of(first)));
        assertThat(first.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(db.stored("j-1")).isEqualTo(first);
        assertThat(db.stored("j-1").result()).isEqualTo(json("1"));
    }

    @Test
    void complete_whenAnotherOwnerTookTheLapsedLease_returnsNotOwnerAndTheJobStaysRunning() {
        db.seed(queued("j-1"));
        store.claim("j-1", "w1", T0.plus(LEASE), T0);
        Instant later = T0.plus(LEASE).plusSeconds(1);
        store.claim("j-1", "w2", later.plus(LEASE), later);

        CompleteResult result = store.complete("j-1", "w1", success("1"), later, LATER_EXPIRES);

        assertThat(result).isInstanceOfSatisfying(CompleteResult.NotOwner.class, notOwner -> {
            assertThat(notOwner.current()).get().extracting(Job::status, Job::leaseOwner)
                    .containsExactly(JobStatus.RUNNING, "w2");
        });
        Job stored = db.stored("j-1");
        assertThat(stored.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(stored.leaseOwner()).isEqualTo("w2");
        assertThat(stored.result()).isNull();
    }

    @Test
    void complete_whenTheItemHasExpired_isRefusedAndTheItemStaysExpired() {
        Job expiring = runningUntilExpiry("j-1", "w1", T0.plus(LEASE), T0.plusSeconds(10));
        db.seed(expiring);

        CompleteResult result = store.complete("j-1", "w1", success("1"), T0.plusSeconds(20), LATER_EXPIRES);

        assertThat(result).isInstanceOf(CompleteResult.NotOwner.class);
        Map<String, AttributeValue> item = db.item("j-1");
        assertThat(item.get("expiresAt").n()).as("no new life").isEqualTo(Long.toString(T0.getEpochSecond() + 10));
        assertThat(item.get("status").s()).isEqualTo("RUNNING");
        assertThat(item).doesNotContainKey("result");
    }

    @Test
    void complete_whenCancelled_returnsNotOwnerAndTheJobStaysCancelled() {
        db.seed(queued("j-1"));
        store.claim("j-1", "w1", T0.plus(LEASE), T0);
        store.cancel("tenant-a", "j-1", T0.plusSeconds(1), LATER_EXPIRES);

        CompleteResult result = store.complete("j-1", "w1", success("1"), T0.plusSeconds(2), LATER_EXPIRES);

        assertThat(result).isInstanceOfSatisfying(CompleteResult.NotOwner.class,
                notOwner -> assertThat(notOwner.current()).get().extracting(Job::status)
                        .isEqualTo(JobStatus.CANCELLED));
        assertThat(db.stored("j-1").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(db.stored("j-1").result()).isNull();
    }

    @Test
    void completeAll_withAResultRef_storesTheKeyAndNoResult() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));
        db.seed(running("j-2", "w1", T0.plus(LEASE)));

        List<CompleteResult> results = store.completeAll(List.of(
                new Completion("j-1", success("{\"big\":true}"), "results/tenant-a/j-1/w1.json"),
                new Completion("j-2", success("2"))), "w1", T0.plusSeconds(5), LATER_EXPIRES);

        assertThat(results).containsOnly(new CompleteResult.Completed());
        Map<String, AttributeValue> item = db.item("j-1");
        assertThat(item).doesNotContainKey("result");
        assertThat(item.get("resultRef").s()).isEqualTo("results/tenant-a/j-1/w1.json");
        assertThat(db.stored("j-1").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(db.stored("j-1").resultRef()).isEqualTo("results/tenant-a/j-1/w1.json");
        assertThat(db.stored("j-2").result()).isEqualTo(json("2"));
        assertThat(db.stored("j-2").resultRef()).isNull();
    }

    // ------------------------------------------------------------------------------------------ recordError

    @Test
    void recordError_onARunningJob_keepsTheLastErrorAcrossALaterClaim() {
        db.seed(queued("j-1"));
        store.claim("j-1", "w1#1", T0.plus(LEASE), T0);
        LastError error = new LastError("store_unavailable", "the completion could not be written",
                T0.plusSeconds(3), "w1#1");

        assertThat(store.recordError("j-1", error)).isTrue();
        Instant later = T0.plus(LEASE).plusSeconds(1);
        store.claim("j-1", "w2#1", later.plus(LEASE), later);

        Job stored = db.stored("j-1");
        assertThat(stored.lastError()).isEqualTo(error);
        assertThat(stored.leaseOwner()).isEqualTo("w2#1");
        assertThat(stored.attempts()).isEqualTo(2);
    }

    @Test
    void recordError_onAnEndedJob_changesNothing() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));
        store.complete("j-1", "w1", success("1"), T0.plusSeconds(1), LATER_EXPIRES);
        Map<String, AttributeValue> before = db.item("j-1");

        boolean recorded = store.recordError("j-1", new LastError("lease_lost", "late", T0.plusSeconds(2), "w0"));

        assertThat(recorded).isFalse();
        assertThat(db.item("j-1")).isEqualTo(before);
    }

    @Test
    void recordError_onAMissingJob_createsNoItem() {
        boolean recorded = store.recordError("j-none", new LastError("worker_error", "x", T0, "w1"));

        assertThat(recorded).isFalse();
        assertThat(db.item("j-none")).isNullOrEmpty();
    }

    @Test
    void completeAll_overOwnedTakenAndCancelledJobs_completesOnlyTheOwnedOnes() {
        // 33 jobs over two transactions: owned by me, owned by another, cancelled, in turn.
        List<Completion> completions = new ArrayList<>();
        for (int i = 0; i < 33; i++) {
            String id = "j-" + i;
            switch (i % 3) {
                case 0 -> db.seed(running(id, "me", T0.plus(LEASE)));
                case 1 -> db.seed(running(id, "other", T0.plus(LEASE)));
                case 2 -> db.seed(cancelled(id));
                default -> throw new AssertionError();
            }
            Outcome outcome = i % 2 == 0 ? success(Integer.toString(i)) : new Outcome.Failure("bad_input", "no " + i);
            completions.add(new Completion(id, outcome));
        }

        List<CompleteResult> results = store.completeAll(completions, "me", T0.plusSeconds(5), LATER_EXPIRES);

        assertThat(results).hasSize(33);
        for (int i = 0; i < 33; i++) {
            String id = "j-" + i;
            Job stored = db.stored(id);
            switch (i % 3) {
                case 0 -> {
                    assertThat(results.get(i)).as("owned %s", id).isEqualTo(new CompleteResult.Completed());
                    assertThat(stored.leaseOwner()).isNull();
                    if (i % 2 == 0) {
                        assertThat(stored.status()).isEqualTo(JobStatus.SUCCEEDED);
                        assertThat(stored.result()).isEqualTo(json(Integer.toString(i)));
                    } else {
                        assertThat(stored.status()).isEqualTo(JobStatus.FAILED);
                        assertThat(stored.error()).isEqualTo(new JobError("bad_input", "no " + i));
                    }
                }
                case 1 -> {
                    assertThat(results.get(i)).as("other's %s", id)
                            .isEqualTo(new CompleteResult.NotOwner(Optional.of(running(id, "other", T0.plus(LEASE)))));
                    assertThat(stored).isEqualTo(running(id, "other", T0.plus(LEASE)));
                }
                case 2 -> {
                    assertThat(results.get(i)).as("cancelled %s", id)
                            .isEqualTo(new CompleteResult.NotOwner(Optional.of(cancelled(id))));
                    assertThat(stored).isEqualTo(cancelled(id));
                }
                default -> throw new AssertionError();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ cancel, release, delete

    @Test
    void cancel_whenQueued_returnsCancelledAndStoresIt() {
        db.seed(queued("j-1"));

        CancelResult result = store.cancel("tenant-a", "j-1", T0.plusSeconds(1), LATER_EXPIRES);

        assertThat(result).isInstanceOfSatisfying(CancelResult.Cancelled.class,
                cancelled -> assertThat(cancelled.job().status()).isEqualTo(JobStatus.CANCELLED));
        Job stored = db.stored("j-1");
        assertThat(stored.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(stored.finishedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(stored.expiresAt()).isEqualTo(LATER_EXPIRES);
        assertThat(result).isEqualTo(new CancelResult.Cancelled(stored));
    }

    @Test
    void cancel_whenRunning_cancelsAndDropsTheLease() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));

        assertThat(store.cancel("tenant-a", "j-1", T0.plusSeconds(1), LATER_EXPIRES))
                .isInstanceOf(CancelResult.Cancelled.class);
        assertThat(db.item("j-1")).doesNotContainKeys("leaseOwner", "leaseUntil");
        assertThat(db.stored("j-1").status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void cancelQueued_cancelsAQueuedJob_butLeavesAClaimedOneToItsWorker() {
        db.seed(queued("j-1"));
        db.seed(running("j-2", "w1", T0.plus(LEASE)));

        assertThat(store.cancelQueued("tenant-a", "j-1", T0.plusSeconds(1), LATER_EXPIRES))
                .isInstanceOf(CancelResult.Cancelled.class);
        assertThat(db.stored("j-1").status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(store.cancelQueued("tenant-a", "j-2", T0.plusSeconds(1), LATER_EXPIRES))
                .isInstanceOfSatisfying(CancelResult.AlreadyFinished.class,
                        moved -> assertThat(moved.job().status()).isEqualTo(JobStatus.RUNNING));
        assertThat(db.stored("j-2")).isEqualTo(running("j-2", "w1", T0.plus(LEASE)));
        assertThat(store.cancelQueued("tenant-b", "j-1", T0.plusSeconds(1), LATER_EXPIRES))
                .isEqualTo(new CancelResult.NotFound());
    }

    @Test
    void cancel_byAnotherTenant_returnsNotFoundAndLeavesTheJob() {
        db.seed(queued("j-1"));

        assertThat(store.cancel("tenant-b", "j-1", T0.plusSeconds(1), LATER_EXPIRES))
                .isEqualTo(new CancelResult.NotFound());
        assertThat(db.stored("j-1")).isEqualTo(queued("j-1"));
    }

    @Test
    void cancel_whenMissingOrExpired_returnsNotFound() {
        db.seed(expired("j-old"));

        assertThat(store.cancel("tenant-a", "j-none", T0, LATER_EXPIRES)).isEqualTo(new CancelResult.NotFound());
        assertThat(store.cancel("tenant-a", "j-old", T0, LATER_EXPIRES)).isEqualTo(new CancelResult.NotFound());
        assertThat(db.stored("j-old").status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void cancel_whenFinished_returnsAlreadyFinishedAndLeavesTheJob() {
        db.seed(succeeded("j-1"));

        assertThat(store.cancel("tenant-a", "j-1", T0.plusSeconds(1), LATER_EXPIRES))
                .isEqualTo(new CancelResult.AlreadyFinished(succeeded("j-1")));
        assertThat(db.stored("j-1")).isEqualTo(succeeded("j-1"));
    }

    @Test
    void release_byTheOwner_putsTheJobBackInTheQueue() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));

        assertThat(store.release("j-1", "w1")).isTrue();

        assertThat(db.stored("j-1").status()).isEqualTo(JobStatus.QUEUED);
        assertThat(db.item("j-1")).doesNotContainKeys("leaseOwner", "leaseUntil");
        assertThat(store.claim("j-1", "w2", T0.plus(LEASE), T0)).as("claimable again")
                .isEqualTo(new ClaimResult.Claimed());
    }

    @Test
    void release_byAnotherOwner_returnsFalseAndLeavesTheLease() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));

        assertThat(store.release("j-1", "w2")).isFalse();
        assertThat(db.stored("j-1")).isEqualTo(running("j-1", "w1", T0.plus(LEASE)));
        assertThat(store.release("j-none", "w1")).isFalse();
        assertThat(db.item("j-none")).isEmpty();
    }

    @Test
    void extendLease_byTheOwner_movesTheLeaseSoAnotherOwnerCannotClaimIt() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));
        Instant later = T0.plus(LEASE).plus(LEASE);

        assertThat(store.extendLease("j-1", "w1", later)).isTrue();

        assertThat(db.stored("j-1")).isEqualTo(running("j-1", "w1", later));
        assertThat(store.claim("j-1", "w2", later.plus(LEASE), T0.plus(LEASE).plusSeconds(1)))
                .as("the old lease end has passed, the new one has not")
                .isEqualTo(new ClaimResult.Leased("w1", later));
    }

    @Test
    void extendLease_pastTheItemsExpiry_isRefused() {
        db.seed(runningUntilExpiry("j-1", "w1", T0.plus(LEASE), T0.plusSeconds(90)));

        assertThat(store.extendLease("j-1", "w1", T0.plus(LEASE).plus(LEASE))).isFalse();

        assertThat(db.stored("j-1").leaseUntil()).isEqualTo(T0.plus(LEASE));
    }

    @Test
    void extendLease_whenNotTheOwnerOrNotRunning_changesNothing() {
        db.seed(running("j-1", "w1", T0.plus(LEASE)));
        db.seed(succeeded("j-done"));

        assertThat(store.extendLease("j-1", "w2", T0.plus(LEASE).plus(LEASE))).isFalse();
        assertThat(store.extendLease("j-done", "w1", T0.plus(LEASE))).isFalse();
        assertThat(store.extendLease("j-none", "w1", T0.plus(LEASE))).isFalse();

        assertThat(db.stored("j-1")).isEqualTo(running("j-1", "w1", T0.plus(LEASE)));
        assertThat(db.stored("j-done").status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(db.item("j-none")).isEmpty();
    }

    @Test
    void deleteQueued_deletesOnlyAQueuedJob() {
        db.seed(queued("j-queued"));
        db.seed(running("j-running", "w1", T0.plus(LEASE)));
        db.seed(succeeded("j-done"));

        assertThat(store.deleteQueued("j-queued")).isTrue();
        assertThat(store.deleteQueued("j-running")).isFalse();
        assertThat(store.deleteQueued("j-done")).isFalse();
        assertThat(store.deleteQueued("j-none")).isFalse();

        assertThat(db.item("j-queued")).isEmpty();
        assertThat(db.stored("j-running").status()).isEqualTo(JobStatus.RUNNING);
        assertThat(db.stored("j-done").status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    // ------------------------------------------------------------------------------------------ group commit

    /** {@link GroupCommitJobStore} over the same table: concurrent creates grouped into transactions. */
    @Nested
    class GroupCommitted {

        @Test
        void create_from8ThreadsOf50JobsEach_createsAll400() {
            try (GroupCommitJobStore grouped = new GroupCommitJobStore(store, 2)) {
                List<CompletableFuture<List<CreateResult>>> threads = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    threads.add(CompletableFuture.supplyAsync(() -> IntStream.range(0, 50)
                            .mapToObj(i -> grouped.create(queued("j-" + thread + "-" + i)))
                            .toList(), runnable -> Thread.ofPlatform().start(runnable)));
                }

                List<CreateResult> results = assertTimeoutPreemptively(Duration.ofMinutes(2),
                        () -> threads.stream().flatMap(f -> f.join().stream()).toList());

                assertThat(results).hasSize(400).allSatisfy(r -> assertThat(r).isInstanceOf(CreateResult.Created.class));
                assertThat(db.count()).isEqualTo(400);
                assertThat(db.stored("j-7-49")).isEqualTo(queued("j-7-49"));
            }
        }

        @Test
        void create_whenTwoThreadsCreateTheSameIdAtOnce_exactlyOneIsCreated() throws Exception {
            try (GroupCommitJobStore grouped = new GroupCommitJobStore(store, 2)) {
                for (int round = 0; round < 10; round++) {
                    String id = "j-race-" + round;
                    CyclicBarrier start = new CyclicBarrier(2);
                    List<CompletableFuture<CreateResult>> racers = new ArrayList<>();
                    for (int t = 0; t < 2; t++) {
                        racers.add(CompletableFuture.supplyAsync(() -> {
                            await(start);
                            return grouped.create(queued(id));
                        }, runnable -> Thread.ofPlatform().start(runnable)));
                    }

                    List<Object> results = assertTimeoutPreemptively(Duration.ofMinutes(1),
                            () -> racers.stream().map(GroupCommitted::resultOrFailure).toList());

                    assertThat(results).as("round %d", round).containsExactlyInAnyOrder(
                            new CreateResult.Created(queued(id)), new CreateResult.AlreadyExists(queued(id)));
                }
            }
        }

        @Test
        void create_whenTheSameIdArrivesTwiceInOneBatch_exactlyOneIsCreatedAndTheOthersInTheBatchToo() {
            GatedStore gated = new GatedStore(store);
            try (GroupCommitJobStore grouped = new GroupCommitJobStore(gated, 1)) {
                CompletableFuture<CreateResult> blocker = createAsync(grouped, queued("j-blocker"));
                gated.awaitHeld();
                List<CompletableFuture<CreateResult>> sameBatch = List.of(
                        createAsync(grouped, queued("j-dup")),
                        createAsync(grouped, queued("j-dup")),
                        createAsync(grouped, queued("j-other")));
                gated.awaitCallsQueued(3);
                gated.open();

                List<Object> results = assertTimeoutPreemptively(Duration.ofMinutes(1),
                        () -> sameBatch.stream().map(GroupCommitted::resultOrFailure).toList());

                assertThat(blocker.join()).isInstanceOf(CreateResult.Created.class);
                assertThat(gated.batchSizes()).as("the three shared one batch").containsExactly(1, 3);
                assertThat(results.subList(0, 2)).containsExactlyInAnyOrder(
                        new CreateResult.Created(queued("j-dup")), new CreateResult.AlreadyExists(queued("j-dup")));
                assertThat(results.get(2)).isEqualTo(new CreateResult.Created(queued("j-other")));
            }
        }

        private static CompletableFuture<CreateResult> createAsync(JobStore grouped, Job job) {
            return CompletableFuture.supplyAsync(() -> grouped.create(job),
                    runnable -> Thread.ofPlatform().daemon().start(runnable));
        }

        /** The result, or what the call threw, so that a failure shows in the assertion message. */
        private static Object resultOrFailure(CompletableFuture<CreateResult> future) {
            return future.handle((result, e) -> result != null ? result : e.getCause() != null ? e.getCause() : e)
                    .join();
        }

        private static void await(CyclicBarrier barrier) {
            try {
                barrier.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * A store whose first {@link #createAll} waits until opened, so the creates made meanwhile go into the next
     * batch together. It counts queued creates by the threads parked in {@link GroupCommitJobStore#create}.
     */
    static final class GatedStore implements JobStore {
        private final JobStore delegate;
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch opened = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);
        private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

        GatedStore(JobStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<CreateResult> createAll(List<Job> jobs) {
            batchSizes.add(jobs.size());
            if (first.getAndSet(false)) {
                held.countDown();
                try {
                    opened.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return delegate.createAll(jobs);
        }

        void awaitHeld() {
            assertTimeoutPreemptively(Duration.ofMinutes(1), () -> held.await());
        }

        /** Until {@code count} threads other than the held writer are parked waiting on a create. */
        void awaitCallsQueued(int count) {
            assertTimeoutPreemptively(Duration.ofMinutes(1), () -> {
                while (parkedCreates() < count) {
                    Thread.sleep(1);
                }
            });
        }

        private static long parkedCreates() {
            return Thread.getAllStackTraces().entrySet().stream()
                    .filter(e -> e.getKey().getState() == Thread.State.WAITING)
                    .filter(e -> Arrays.stream(e.getValue()).anyMatch(
                            f -> f.getClassName().equals(GroupCommitJobStore.class.getName())
                                    && f.getMethodName().equals("create")))
                    .filter(e -> Arrays.stream(e.getValue()).anyMatch(
                            f -> f.getClassName().equals(CompletableFuture.class.getName())))
                    .count();
        }

        void open() {
            opened.countDown();
        }

        List<Integer> batchSizes() {
            return batchSizes;
        }

        @Override
        public CreateResult create(Job job) {
            return delegate.create(job);
        }

        @Override
        public List<String> queuedBefore(dev.ebb.core.task.Lane lane, Instant before, int limit) {
            return delegate.queuedBefore(lane, before, limit);
        }

        @Override
        public boolean markResent(String jobId, Instant now) {
            return delegate.markResent(jobId, now);
        }

        @Override
        public Optional<Job> find(String jobId) {
            return delegate.find(jobId);
        }

        @Override
        public ClaimResult claim(String jobId, String owner, Instant leaseUntil, Instant now) {
            return delegate.claim(jobId, owner, leaseUntil, now);
        }

        @Override
        public CompleteResult complete(String jobId, String owner, Outcome outcome, Instant now, Instant expiresAt) {
            return delegate.complete(jobId, owner, outcome, now, expiresAt);
        }

        @Override
        public CancelResult cancel(String tenant, String jobId, Instant now, Instant expiresAt) {
            return delegate.cancel(tenant, jobId, now, expiresAt);
        }

        @Override
        public boolean extendLease(String jobId, String owner, Instant leaseUntil) {
            return delegate.extendLease(jobId, owner, leaseUntil);
        }

        @Override
        public boolean release(String jobId, String owner) {
            return delegate.release(jobId, owner);
        }

        @Override
        public boolean recordError(String jobId, LastError error) {
            return delegate.recordError(jobId, error);
        }

        @Override
        public boolean deleteQueued(String jobId) {
            return delegate.deleteQueued(jobId);
        }

        @Override
        public boolean markReplayed(String jobId) {
            return delegate.markReplayed(jobId);
        }

        @Override
        public List<ClaimResult> claimEnvelopes(List<dev.ebb.core.queue.JobEnvelope> envelopes, String owner,
                                                Instant leaseUntil, Instant now) {
            return delegate.claimEnvelopes(envelopes, owner, leaseUntil, now);
        }
    }

    // ------------------------------------------------------------------------------------------ jobs in each state

    static Job queued(String id) {
        return Job.queued(id, "tenant-a", "math", Lane.CPU, null, json("{\"op\":\"add\",\"values\":[1,2]}"),
                null, null, T0, EXPIRES);
    }

    static Job running(String id, String owner, Instant leaseUntil) {
        Job q = queued(id);
        return new Job(id, q.tenant(), q.task(), q.lane(), q.model(), q.input(), JobStatus.RUNNING, 1, T0, T0, null,
                null, null, owner, leaseUntil, null, null, EXPIRES);
    }

    /** RUNNING under {@code owner}, its item expiring at {@code expiresAt}. */
    static Job runningUntilExpiry(String id, String owner, Instant leaseUntil, Instant expiresAt) {
        Job q = queued(id);
        return new Job(id, q.tenant(), q.task(), q.lane(), q.model(), q.input(), JobStatus.RUNNING, 1, T0, T0, null,
                null, null, owner, leaseUntil, null, null, expiresAt);
    }

    static Job succeeded(String id) {
        Job q = queued(id);
        return new Job(id, q.tenant(), q.task(), q.lane(), q.model(), q.input(), JobStatus.SUCCEEDED, 1, T0, T0, T0,
                json("3"), null, null, null, null, null, EXPIRES);
    }

    static Job cancelled(String id) {
        Job q = queued(id);
        return new Job(id, q.tenant(), q.task(), q.lane(), q.model(), q.input(), JobStatus.CANCELLED, 0, T0, null, T0,
                null, null, null, null, null, null, EXPIRES);
    }

    /** QUEUED, but past its expiry: TTL has not deleted it yet. */
    static Job expired(String id) {
        Job q = queued(id);
        return new Job(id, q.tenant(), q.task(), q.lane(), q.model(), q.input(), JobStatus.QUEUED, 0,
                T0.minus(Duration.ofDays(2)), null, null, null, null, null, null, null, null,
                T0.minus(Duration.ofDays(1)));
    }

    static Job ofTenant(Job job, String tenant) {
        return new Job(job.jobId(), tenant, job.task(), job.lane(), job.model(), job.input(), job.status(),
                job.attempts(), job.createdAt(), job.startedAt(), job.finishedAt(), job.result(), job.error(),
                job.leaseOwner(), job.leaseUntil(), job.idempotencyKey(), job.requestHash(), job.expiresAt());
    }

    static Job withInput(Job job, String input) {
        return new Job(job.jobId(), job.tenant(), job.task(), job.lane(), job.model(), json(input), job.status(),
                job.attempts(), job.createdAt(), job.startedAt(), job.finishedAt(), job.result(), job.error(),
                job.leaseOwner(), job.leaseUntil(), job.idempotencyKey(), job.requestHash(), job.expiresAt());
    }

    static Outcome success(String result) {
        return new Outcome.Success(json(result));
    }

    static Outcome failure() {
        return new Outcome.Failure("model_error", "it broke");
    }

    static JsonNode json(String text) {
        return Json.readTrusted(text);
    }

    /** The test DynamoDB server and raw access to the {@code jobs} table, bypassing the store under test. */
    static final class Fixture {
        static final String TABLE = "jobs";
        /** In memory, telemetry off (it would also write dynamodb-local-metadata.json into the working directory). */
        static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();

        void recreateTable() {
            JobsTables.recreate(DYNAMO_DB, TABLE);
        }

        /**
         * The client the store under test uses: the test server, except that a transaction with two actions on one
         * item is refused as DynamoDB refuses it ("Transaction request cannot include multiple operations on one
         * item", a ValidationException). The test server may accept such a transaction, which would hide the case.
         */
        static final DynamoDbClient AWS_STRICT = (DynamoDbClient) Proxy.newProxyInstance(
                DynamoDbClient.class.getClassLoader(), new Class<?>[] {DynamoDbClient.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("transactWriteItems") && args != null && args.length == 1) {
                        TransactWriteItemsRequest request = args[0] instanceof TransactWriteItemsRequest r ? r
                                : TransactWriteItemsRequest.builder()
                                        .applyMutation(Fixture.<TransactWriteItemsRequest.Builder>consumer(args[0]))
                                        .build();
                        refuseTwoActionsOnOneItem(request);
                        return DYNAMO_DB.transactWriteItems(request);
                    }
                    try {
                        return method.invoke(DYNAMO_DB, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        private static void refuseTwoActionsOnOneItem(TransactWriteItemsRequest request) {
            Set<AttributeValue> keys = new HashSet<>();
            for (TransactWriteItem action : request.transactItems()) {
                AttributeValue key = action.put() != null ? action.put().item().get("jobId")
                        : action.update() != null ? action.update().key().get("jobId")
                        : action.delete() != null ? action.delete().key().get("jobId")
                        : action.conditionCheck().key().get("jobId");
                if (!keys.add(key)) {
                    String message = "Transaction request cannot include multiple operations on one item";
                    throw DynamoDbException.builder().message(message).statusCode(400)
                            .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationException")
                                    .errorMessage(message).build())
                            .build();
                }
            }
        }

        @SuppressWarnings("unchecked")
        private static <B> Consumer<B> consumer(Object argument) {
            return (Consumer<B>) argument;
        }

        /** Writes the job as it is, unconditionally. */
        void seed(Job job) {
            DYNAMO_DB.putItem(r -> r.tableName(TABLE).item(JobItems.toItem(job)));
        }

        /** The raw item; empty when there is none. */
        Map<String, AttributeValue> item(String jobId) {
            Map<String, AttributeValue> item = DYNAMO_DB.getItem(r -> r.tableName(TABLE)
                    .key(Map.of("jobId", AttributeValue.fromS(jobId))).consistentRead(true)).item();
            return item == null ? Map.of() : item;
        }

        /** The item as a job, expired or not. */
        Job stored(String jobId) {
            Map<String, AttributeValue> item = item(jobId);
            if (item.isEmpty()) {
                throw new AssertionError("no item " + jobId + " in the table");
            }
            return JobItems.fromItem(item);
        }

        int count() {
            return DYNAMO_DB.scan(r -> r.tableName(TABLE).consistentRead(true)).count();
        }
    }
}
