package dev.ebb.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.JobViews;
import dev.ebb.core.cache.SemanticAnswers;
import dev.ebb.core.cache.SemanticAnswersTestSupport;
import dev.ebb.core.cache.SemanticSettings;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.job.JobsTables;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The runner with the semantic cache: a claimed job whose text means what an earlier job's meant ends SUCCEEDED with
 * that answer without its task running, the job keeps the similarity, and its listeners are told it was an answer by
 * meaning (so the exact cache never files it under this text). Against the DynamoDB-compatible test server.
 */
class JobRunnerSemanticTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "jobs-semantic";
    private final DynamoDbJobStore store = new DynamoDbJobStore(DYNAMO_DB, TABLE);

    @BeforeEach
    void freshTable() {
        JobsTables.recreate(DYNAMO_DB, TABLE);
    }

    @Test
    void aNearDuplicate_isAnsweredByMeaning_withoutRunning_andTheJobSaysSo() {
        AtomicInteger runs = new AtomicInteger();
        var task = SemanticAnswersTestSupport.labeller(text -> {
            runs.incrementAndGet();
            return "positive";
        });
        List<CompletionListener.Ended> ended = new ArrayList<>();
        try (SemanticAnswers semantic = new SemanticAnswers(new SemanticSettings(0.95, 0, 100),
                SemanticAnswersTestSupport.TRIGRAMS, TaskRegistry.of(task), SemanticAnswers.Conversation.NONE, null)) {
            JobRunner runner = JobRunner.builder().store(store).tasks(TaskRegistry.of(task)).owner("w")
                    .lease(Duration.ofMinutes(1)).resultTtl(Duration.ofHours(1)).clock(Clock.systemUTC())
                    .semantic(semantic).listener(ended::addAll).build();
            Job first = queued("I love this phone");
            Job second = queued("i LOVE this phone");
            Job other = queued("The train to Lyon leaves at noon");

            runner.run(List.of(message(first)));
            runner.run(List.of(message(second), message(other)));

            assertThat(runs).as("the first and the unrelated one ran").hasValue(2);
            Job answered = store.find(second.jobId()).orElseThrow();
            assertThat(answered.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(answered.result().get("label").textValue()).isEqualTo("positive");
            assertThat(answered.similarity()).isGreaterThanOrEqualTo(0.95);
            ObjectNode view = JobViews.view(answered, Instant.now());
            assertThat(view.get("cached").textValue()).isEqualTo("semantic");
            assertThat(view.get("similarity").doubleValue()).isGreaterThanOrEqualTo(0.95);
            assertThat(JobViews.view(store.find(other.jobId()).orElseThrow(), Instant.now()).has("cached")).isFalse();
            assertThat(ended).filteredOn(e -> e.envelope().jobId().equals(second.jobId()))
                    .singleElement().satisfies(e -> assertThat(e.similarity()).isNotNull());
            assertThat(ended).filteredOn(e -> e.envelope().jobId().equals(other.jobId()))
                    .singleElement().satisfies(e -> assertThat(e.similarity()).isNull());
        }
    }

    private Job queued(String text) {
        Instant now = Instant.now();
        Job job = Job.queued(JobIds.random(), "acme", "label", Lane.CPU, null,
                Json.MAPPER.createObjectNode().put("text", text), null, "h", now, now.plus(Duration.ofHours(1)));
        store.create(job);
        return job;
    }

    private static QueueMessage message(Job job) {
        return new QueueMessage("m-" + job.jobId(), "r", JobEnvelope.of(job).toJson(), 1);
    }
}
