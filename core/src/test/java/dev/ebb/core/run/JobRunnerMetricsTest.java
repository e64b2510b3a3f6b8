package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.JobViews;
import dev.ebb.core.api.Limits;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.metrics.Metric;
import dev.ebb.core.metrics.MetricsBuffer;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.store.SentEnvelopes;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TestTask;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A job's way from submit to completion records the metrics the dashboards chart and stores what the job cost, against
 * the DynamoDB-compatible test server.
 */
class JobRunnerMetricsTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-metrics";

    private final DynamoDbJobStore store = new DynamoDbJobStore(DYNAMO_DB, TABLE);
    private final SentEnvelopes queue = new SentEnvelopes();
    private final MetricsBuffer metrics = new MetricsBuffer();
    private final TestTask echo = TestTask.each("echo", input -> input.path("fail").asBoolean()
            ? Outcome.failure("bad_input", "asked to fail") : Outcome.success(input));
    private final JobService service = JobService.builder().store(store).queue(queue).tasks(TaskRegistry.of(echo))
            .limits(Limits.DEFAULTS).metrics(metrics).build();
    private final JobRunner runner = JobRunner.builder().store(store).tasks(TaskRegistry.of(echo)).owner("w")
            .lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1)).clock(Clock.systemUTC()).metrics(metrics)
            .build();

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void aBatchOfJobs_recordsEveryStageOnce_andEachJobCarriesItsCost() {
        List<String> ids = IntStream.range(0, 3).mapToObj(i -> service.submit("acme",
                "{\"task\":\"echo\",\"input\":{\"n\":" + i + ",\"fail\":" + (i == 2) + "}}").job().jobId()).toList();
        assertThatThrownBy(() -> service.submit("acme", "{\"task\":\"nope\",\"input\":{}}"))
                .isInstanceOf(ApiException.class);

        List<QueueMessage> messages = queue.sent.stream()
                .map(e -> new QueueMessage("m-" + e.jobId(), "r", e.toJson(), 1)).toList();
        assertThat(runner.run(messages)).containsOnly(JobRunner.Disposition.DELETE);

        Map<Metric, List<MetricsBuffer.Series>> series = byMetric(metrics.drain());
        assertThat(sum(series, Metric.JOBS_SUBMITTED)).isEqualTo(4);
        assertThat(sum(series, Metric.JOBS_ACCEPTED)).isEqualTo(3);
        assertThat(series.get(Metric.JOBS_ACCEPTED).get(0).dimensions())
                .containsEntry("Tenant", "acme").containsEntry("Lane", "cpu").containsEntry("Task", "echo");
        assertThat(series.get(Metric.JOBS_REJECTED)).singleElement()
                .satisfies(s -> assertThat(s.dimensions()).containsEntry("Code", "unknown_task"));
        assertThat(sum(series, Metric.JOBS_SUCCEEDED)).isEqualTo(2);
        assertThat(series.get(Metric.JOBS_FAILED)).singleElement()
                .satisfies(s -> assertThat(s.dimensions()).containsEntry("Code", "bad_input"));
        assertThat(series.get(Metric.BATCH_SIZE).get(0).values()).containsExactly(3.0);
        assertThat(series.get(Metric.MODEL_TIME).get(0).values()).hasSize(1);
        for (Metric timing : List.of(Metric.QUEUE_WAIT, Metric.RUN_TIME, Metric.END_TO_END, Metric.JOB_COST)) {
            assertThat(count(series, timing)).as(timing.metricName()).isEqualTo(3);
        }

        double recordedCost = 0;
        for (String id : ids) {
            Job job = store.find(id).orElseThrow();
            assertThat(job.cost()).as("cost of " + id).isNotNull();
            assertThat(job.cost().dynamoDb()).isPositive();
            assertThat(job.cost().compute()).isPositive();
            recordedCost += job.cost().total();
            JsonNode view = JobViews.view(job, Instant.now());
            assertThat(view.at("/cost/total").asDouble())
                    .isCloseTo(job.cost().total(), org.assertj.core.api.Assertions.within(job.cost().total() * 1e-5));
            assertThat(view.at("/cost/currency").asText()).isEqualTo("USD");
        }
        double emitted = series.get(Metric.JOB_COST).stream()
                .flatMapToDouble(s -> java.util.Arrays.stream(s.values())).sum();
        assertThat(emitted).isCloseTo(recordedCost, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void theEnvelope_carriesWhenTheJobWasCreatedAndHowLongTheSubmitTook() {
        Job job = service.submit("acme", "{\"task\":\"echo\",\"input\":{}}").job();

        var origin = queue.sent.get(0).origin();
        assertThat(origin.createdAtMillis()).isEqualTo(job.createdAt().toEpochMilli());
        assertThat(origin.submitMillis()).isNotNegative();
        assertThat(Json.write(queue.sent.get(0).origin())).isNotEmpty();
    }

    @Test
    void aCancel_isCounted() {
        Job job = service.submit("acme", "{\"task\":\"echo\",\"input\":{}}").job();
        metrics.drain();

        service.cancel("acme", job.jobId());

        assertThat(byMetric(metrics.drain()).keySet()).containsExactly(Metric.JOBS_CANCELLED);
    }

    private static Map<Metric, List<MetricsBuffer.Series>> byMetric(List<MetricsBuffer.Series> all) {
        return all.stream().collect(java.util.stream.Collectors.groupingBy(MetricsBuffer.Series::metric));
    }

    private static double sum(Map<Metric, List<MetricsBuffer.Series>> series, Metric metric) {
        return series.getOrDefault(metric, List.of()).stream()
                .flatMapToDouble(s -> java.util.Arrays.stream(s.values())).sum();
    }

    private static long count(Map<Metric, List<MetricsBuffer.Series>> series, Metric metric) {
        return series.getOrDefault(metric, List.of()).stream().mapToLong(s -> s.values().length).sum();
    }
}
