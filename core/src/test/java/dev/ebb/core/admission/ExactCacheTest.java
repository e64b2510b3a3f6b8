package dev.ebb.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.JobService.How;
import dev.ebb.core.api.JobViews;
import dev.ebb.core.api.SubmitRequest.CacheMode;
import dev.ebb.core.config.AdmissionSettings;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.tenant.TenantState;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exact result cache at the front door, against the DynamoDB-compatible test server. */
class ExactCacheTest {

    @Test
    void aRepeatedRequest_isAnsweredFromTheCache_neverQueued_andItsJobCanBeRead() {
        FrontDoor door = new FrontDoor();
        JobService service = door.service();
        JobService.Submitted first = service.submit(FrontDoor.math("acme", "What is 6 times 7?"));
        assertThat(first.how()).isEqualTo(How.ACCEPTED);
        assertThat(door.queue.sent).hasSize(1);
        door.runSent();
        Job ran = service.get("acme", first.job().jobId());
        assertThat(ran.status()).isEqualTo(JobStatus.SUCCEEDED);

        JobService.Submitted again = service.submit(FrontDoor.math("acme", "What is 6 times 7?"));

        assertThat(again.how()).isEqualTo(How.ANSWERED);
        assertThat(door.queue.sent).as("a hit is never enqueued").isEmpty();
        assertThat(again.job().jobId()).isNotEqualTo(first.job().jobId());
        assertThat(again.job().result()).isEqualTo(ran.result());
        Job read = service.get("acme", again.job().jobId());
        assertThat(read.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(read.result()).isEqualTo(ran.result());
        ObjectNode view = JobViews.view(read, Instant.now());
        assertThat(view.path("cached").asBoolean()).isTrue();
        assertThat(JobViews.view(ran, Instant.now()).has("cached")).as("the job that ran").isFalse();
    }

    @Test
    void aHit_chargesNothing_andCountsTheHitAndTheWorkerTimeSaved() {
        FrontDoor door = new FrontDoor();
        JobService service = door.service();
        service.submit(FrontDoor.math("acme", "What is 2 plus 2?"));
        door.runSent();

        service.submit(FrontDoor.math("acme", "What is 2 plus 2?"));

        TenantState usage = door.control.tenants().state("acme");
        assertThat(usage.spent()).as("only the run is charged").isEqualTo(1.0);
        assertThat(usage.reserved()).as("the hit's reservation was given back").isZero();
        assertThat(usage.cacheHits()).isEqualTo(1);
    }

    @Test
    void theCacheStep_countsItsMissAndItsHitAsMetrics() {
        FrontDoor door = new FrontDoor();
        dev.ebb.core.metrics.MetricsBuffer metrics = new dev.ebb.core.metrics.MetricsBuffer();
        JobService.Builder builder = JobService.builder().store(door.jobs).queue(door.queue).tasks(door.tasks)
                .limits(dev.ebb.core.api.Limits.DEFAULTS).clock(door.clock);
        door.control.steps(door.jobs, dev.ebb.core.api.Limits.DEFAULTS, null, metrics).forEach(builder::step);
        JobService service = builder.build();

        service.submit(FrontDoor.math("acme", "What is 5 plus 5?"));
        door.runSent();
        service.submit(FrontDoor.math("acme", "What is 5 plus 5?"));

        java.util.Map<dev.ebb.core.metrics.Metric, Double> counted = new java.util.HashMap<>();
        metrics.drain().forEach(series -> counted.merge(series.metric(),
                java.util.Arrays.stream(series.values()).sum(), Double::sum));
        assertThat(counted).containsEntry(dev.ebb.core.metrics.Metric.CACHE_MISSES, 1.0)
                .containsEntry(dev.ebb.core.metrics.Metric.CACHE_HITS, 1.0);
    }

    @Test
    void cacheOff_runsAgain_andCacheRead_neverWrites() {
        FrontDoor door = new FrontDoor();
        JobService service = door.service();
        assertThat(service.submit(FrontDoor.math("acme", "What is 3 plus 4?", CacheMode.READ)).how())
                .isEqualTo(How.ACCEPTED);
        door.runSent();
        assertThat(service.submit(FrontDoor.math("acme", "What is 3 plus 4?")).how())
                .as("a job submitted with cache: read left nothing in the cache").isEqualTo(How.ACCEPTED);
        door.runSent();
        assertThat(service.submit(FrontDoor.math("acme", "What is 3 plus 4?", CacheMode.OFF)).how())
                .as("cache: off runs the job even where an answer is cached").isEqualTo(How.ACCEPTED);
        assertThat(service.submit(FrontDoor.math("acme", "What is 3 plus 4?", CacheMode.READ)).how())
                .isEqualTo(How.ANSWERED);
    }

    @Test
    void anEntry_neverCrossesTenants_unlessPublicResultsAreShared() {
        FrontDoor door = new FrontDoor();
        JobService service = door.service();
        service.submit(FrontDoor.math("acme", "What is 9 minus 4?"));
        door.runSent();
        assertThat(service.submit(FrontDoor.math("globex", "What is 9 minus 4?")).how()).isEqualTo(How.ACCEPTED);

        FrontDoor shared = new FrontDoor(Clock.systemUTC(), Map.of(AdmissionSettings.CACHE_SHARE_PUBLIC, "true"));
        JobService sharing = shared.service();
        sharing.submit(FrontDoor.math("acme", "What is 9 minus 4?"));
        shared.runSent();
        assertThat(sharing.submit(FrontDoor.math("globex", "What is 9 minus 4?")).how()).isEqualTo(How.ANSWERED);
    }

    @Test
    void anotherProcess_findsWhatAWorkerCached_throughTheTable() {
        FrontDoor door = new FrontDoor();
        door.service().submit(FrontDoor.math("acme", "What is 8 divided by 2?"));
        door.runSent();

        JobService elsewhere = door.service(); // its own in-process tier, empty
        assertThat(elsewhere.submit(FrontDoor.math("acme", "What is 8 divided by 2?")).how())
                .isEqualTo(How.ANSWERED);
    }
}
