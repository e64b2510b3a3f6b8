package dev.ebb.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.Limits;
import dev.ebb.core.api.SubmitRequest;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.store.SentEnvelopes;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskCatalogue;
import dev.ebb.core.task.TaskProvider;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TaskSpec;
import dev.ebb.core.testing.TestDynamoDb;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The seams the architecture promises, used as a new capability would use them and nothing else: an admission step
 * handed to the service's builder, and a task declared by a provider that {@link java.util.ServiceLoader} finds.
 */
class SeamsTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-seams";

    private final DynamoDbJobStore jobs = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    private final SentEnvelopes queue = new SentEnvelopes();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    /** A toy rate limit: tenant "noisy" is refused; it counts the requests it was asked about. */
    static final class QuietTenants implements AdmissionStep {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public Stage stage() {
            return Stage.RATE_LIMIT;
        }

        @Override
        public Decision admit(Admission submit) {
            asked.incrementAndGet();
            return submit.tenant().equals("noisy")
                    ? Decision.reject(new ApiException(429, "rate_limited", "tenant noisy is over its rate", 3))
                    : Decision.pass();
        }
    }

    @Test
    void anAddedStep_runsAtItsStage_andARejectionStoresAndQueuesNothing() {
        QuietTenants quiet = new QuietTenants();
        JobService service = service(TaskCatalogue.contracts(Map.of()), quiet);

        assertThatThrownBy(() -> service.submit(math("noisy", "What is 1 plus 1?")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.code()).isEqualTo("rate_limited");
                    assertThat(e.retryAfterSeconds()).isEqualTo(3);
                });
        assertThat(queue.sent).isEmpty();

        // Validation comes first: a bad request never reaches the rate limit.
        assertThatThrownBy(() -> service.submit(SubmitRequest.of("noisy", "math", Json.MAPPER.createObjectNode(),
                null, null))).isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_input"));
        assertThat(quiet.asked).hasValue(1);

        JobService.Submitted accepted = service.submit(math("calm", "What is 1 plus 1?"));
        assertThat(accepted.how()).isEqualTo(JobService.How.ACCEPTED);
        assertThat(queue.sent).hasSize(1);
        assertThat(jobs.find(accepted.job().jobId())).isPresent();
        // The documented order: the built-in validation steps, the added one, then the offload (none here: no bucket).
        assertThat(service.admission().steps()).last().isSameAs(quiet);
    }

    @Test
    void aStepThatAnswers_returnsTheFinishedJob_andNothingIsQueued() {
        AdmissionStep cache = new AdmissionStep() {
            @Override
            public Stage stage() {
                return Stage.CACHE;
            }

            @Override
            public Decision admit(Admission submit) {
                JsonNode result = Json.MAPPER.createObjectNode().put("text", "1 plus 1 = 2").put("value", 2);
                Job known = Job.queued(submit.jobId(), submit.tenant(), submit.task().name(), submit.task().lane(),
                        null, submit.input(), null, submit.requestHash(), submit.now(), submit.now().plusSeconds(60));
                return Decision.answer(known.withResult(result));
            }
        };
        JobService service = service(TaskCatalogue.contracts(Map.of()), cache);

        JobService.Submitted answered = service.submit(math("acme", "What is 1 plus 1?"));

        assertThat(answered.how()).isEqualTo(JobService.How.ANSWERED);
        assertThat(answered.finished()).isTrue();
        assertThat(answered.job().result().path("value").asInt()).isEqualTo(2);
        assertThat(queue.sent).isEmpty();
    }

    /** A toy task: reverses a text, and says whose job it was (the context a task now receives). */
    public static final class ReverseTask implements Task {
        @Override
        public String name() {
            return "reverse";
        }

        @Override
        public Lane lane() {
            return Lane.CPU;
        }

        @Override
        public JsonNode validate(JsonNode input) throws InvalidInputException {
            if (!input.path("text").isTextual()) {
                throw new InvalidInputException("invalid_input", "'text' must be a string");
            }
            return Json.MAPPER.createObjectNode().put("text", input.path("text").asText());
        }

        @Override
        public List<Outcome> runBatch(List<JobContext> batch) {
            List<Outcome> outcomes = new ArrayList<>();
            for (JobContext job : batch) {
                outcomes.add(Outcome.success(Json.MAPPER.createObjectNode()
                        .put("text", new StringBuilder(job.input().path("text").asText()).reverse().toString())
                        .put("tenant", job.tenant()).put("jobId", job.jobId())));
            }
            return outcomes;
        }
    }

    /** Declares {@link ReverseTask}, as a module of its own would, through META-INF/services. */
    public static final class ReverseTaskProvider implements TaskProvider {
        @Override
        public List<TaskSpec> contracts(Map<String, String> env) {
            return List.of(new ReverseTask());
        }
    }

    @Test
    void aTaskDeclaredByAProvider_isAcceptedAtSubmitAndRunByTheRunner_withItsJobContext(@TempDir Path dir)
            throws IOException {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(TaskProvider.class.getName()), ReverseTaskProvider.class.getName() + "\n");
        try (URLClassLoader module = new URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                getClass().getClassLoader())) {
            TaskRegistry submitSide = TaskCatalogue.contracts(Map.of(), module);
            TaskRegistry workerSide = TaskCatalogue.forWorker(Map.of(), Lane.CPU, module);
            assertThat(submitSide.names()).containsExactly("chat", "classify", "embed", "math", "reverse");

            JobService service = service(submitSide, null);
            Job job = service.submit(SubmitRequest.of("acme", "reverse",
                    Json.MAPPER.createObjectNode().put("text", "stressed"), null, null)).job();
            assertThat(job.lane()).isEqualTo(Lane.CPU);

            JobRunner runner = JobRunner.builder().store(jobs).tasks(workerSide).owner("seams")
                    .lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1)).build();
            assertThat(runner.run(List.of(new QueueMessage("m-1", "r-1", queue.sent.get(0).toJson(), 1))))
                    .containsExactly(JobRunner.Disposition.DELETE);

            Job done = jobs.find(job.jobId()).orElseThrow();
            assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(done.result().path("text").asText()).isEqualTo("desserts");
            assertThat(done.result().path("tenant").asText()).isEqualTo("acme");
            assertThat(done.result().path("jobId").asText()).isEqualTo(job.jobId());
        }
    }

    @Test
    void aRunnerForATaskNobodyDeclared_failsAtStartWithItsName(@TempDir Path dir) throws IOException {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(TaskProvider.class.getName()), OrphanRunner.class.getName() + "\n");
        try (URLClassLoader module = new URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                getClass().getClassLoader())) {
            assertThatThrownBy(() -> TaskCatalogue.forWorker(Map.of(), Lane.CPU, module))
                    .hasMessageContaining("'reverse'").hasMessageContaining("no provider declares");
        }
    }

    /** Contributes a runner without declaring its contract. */
    public static final class OrphanRunner implements TaskProvider {
        @Override
        public List<TaskSpec> contracts(Map<String, String> env) {
            return List.of();
        }

        @Override
        public List<Task> runners(Map<String, String> env, Lane lane) {
            return List.of(new ReverseTask());
        }
    }

    private JobService service(TaskRegistry tasks, AdmissionStep step) {
        JobService.Builder builder = JobService.builder().store(jobs).queue(queue).tasks(tasks).limits(Limits.DEFAULTS);
        if (step != null) {
            builder.step(step);
        }
        return builder.build();
    }

    private static SubmitRequest math(String tenant, String text) {
        return SubmitRequest.of(tenant, "math", Json.MAPPER.createObjectNode().put("text", text), null, null);
    }
}
