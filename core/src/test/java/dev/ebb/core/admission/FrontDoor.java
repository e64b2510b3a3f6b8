package dev.ebb.core.admission;

import dev.ebb.core.Json;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.Limits;
import dev.ebb.core.api.SubmitRequest;
import dev.ebb.core.config.AdmissionSettings;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.store.SentEnvelopes;
import dev.ebb.core.task.TaskCatalogue;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.testing.Tables;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A deployment's front door and worker side on the test DynamoDB-compatible server: fresh jobs, cache and tenants
 * tables, a job service with admission control (each {@link #service()} its own {@link AdmissionControl}, as two
 * processes would have), a queue that records what was sent, and a runner with the claim check and listeners.
 */
final class FrontDoor {
    static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    static final String JOBS = "fd-jobs";
    static final String CACHE = "fd-cache";
    static final String TENANTS = "fd-tenants";

    final TaskRegistry tasks = TaskCatalogue.contracts(Map.of());
    final DynamoDbJobStore jobs = new DynamoDbJobStore(DYNAMO_DB, JOBS);
    final SentEnvelopes queue = new SentEnvelopes();
    final Clock clock;
    final Map<String, String> env;
    final AdmissionControl control;

    FrontDoor(Clock clock, Map<String, String> extraEnv) {
        this.clock = clock;
        JobsTables.recreate(DYNAMO_DB, JOBS);
        Tables.recreate(DYNAMO_DB, CACHE, Deployment.CACHE.hashKey());
        Tables.recreate(DYNAMO_DB, TENANTS, Deployment.TENANTS.hashKey());
        Map<String, String> vars = new HashMap<>(Map.of(AdmissionSettings.CACHE_TABLE, CACHE,
                AdmissionSettings.TENANTS_TABLE, TENANTS, AdmissionSettings.POLICY_CACHE_SECONDS, "0"));
        vars.putAll(extraEnv);
        this.env = Map.copyOf(vars);
        this.control = newControl();
    }

    FrontDoor() {
        this(Clock.systemUTC(), Map.of());
    }

    AdmissionControl newControl() {
        return new AdmissionControl(AdmissionSettings.fromEnv(env), DYNAMO_DB, clock);
    }

    /** A service of its own admission control (its own in-process caches), as another process would build. */
    JobService service() {
        return service(newControl(), null);
    }

    JobService service(AdmissionControl control, LaneDepth depth) {
        JobService.Builder builder = JobService.builder().store(jobs).queue(queue).tasks(tasks)
                .limits(Limits.DEFAULTS).clock(clock);
        control.steps(jobs, Limits.DEFAULTS, depth).forEach(builder::step);
        builder.onCancelled(control.cancelSettlement(tasks));
        return builder.build();
    }

    JobRunner runner() {
        JobRunner.Builder builder = JobRunner.builder().store(jobs).tasks(tasks).owner("test-worker")
                .lease(Duration.ofSeconds(60)).resultTtl(Limits.DEFAULTS.resultTtl()).clock(clock)
                .claimCheck(control.claimCheck());
        control.listeners(tasks).forEach(builder::listener);
        return builder.build();
    }

    /** Runs every message sent so far (and forgets them), as a worker would receive them. */
    List<JobRunner.Disposition> runSent() {
        List<QueueMessage> messages = queue.sent.stream()
                .map(e -> new QueueMessage("m-" + e.jobId(), "r", e.toJson(), 1)).toList();
        queue.sent.clear();
        return runner().run(messages);
    }

    static SubmitRequest math(String tenant, String text) {
        return SubmitRequest.of(tenant, "math", Json.MAPPER.createObjectNode().put("text", text), null, null);
    }

    static SubmitRequest math(String tenant, String text, SubmitRequest.CacheMode cache) {
        return new SubmitRequest(tenant, "math", Json.MAPPER.createObjectNode().put("text", text), null, null, null,
                0, cache);
    }
}
