package dev.ebb.local;

import dev.ebb.local.runtime.LocalClients;
import dev.ebb.local.runtime.LocalRuntime;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.config.Settings;
import dev.ebb.core.job.DynamoDbJobStore;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.job.JobStatus;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.SqsJobQueue;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.local.cloud.LocalCloud;
import dev.ebb.local.cloud.ProvisionedResources;
import dev.ebb.worker.Worker;
import dev.ebb.worker.WorkerMain;
import dev.ebb.worker.WorkerSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A gpu worker's dynamic batch counts texts, not jobs: the real embed task (real model, CPU) behind a worker whose
 * batch holds 6 texts, fed jobs of 3 texts and one of 10, with no other consumer on the gpu queue in this JVM.
 */
class EmbedBatchIT {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void worker_countsEachTextTowardTheBatch_andRunsAJobBiggerThanTheBatchAlone() throws Exception {
        LocalClients.useLocalCredentials();
        LocalCloud cloud = EmbeddedCloud.get();
        ProvisionedResources resources = EmbeddedCloud.resources();
        String gpuQueueUrl = resources.queueUrl(Lane.GPU.id());
        cloud.sqsClient().purgeQueue(r -> r.queueUrl(gpuQueueUrl));
        DynamoDbJobStore store = new DynamoDbJobStore(cloud.dynamoDbClient(), "ebb-jobs");
        SqsJobQueue queue = new SqsJobQueue(cloud.sqsClient(), Map.of(Lane.GPU, gpuQueueUrl));

        Map<String, String> env = new HashMap<>(LocalRuntime.environment(cloud, resources));
        env.put(WorkerSettings.POLL_WAIT_SECONDS, "1");
        env.put(WorkerSettings.MAX_BATCH_SIZE, "6");
        env.put(WorkerSettings.MAX_BATCH_DELAY_MS, "300");
        env.put(WorkerSettings.RUNNERS, "1");
        // Results stay in the item (10 vectors are over the 16 KiB default), so the store's read below shows them.
        env.put(Settings.LARGE_RESULT_BYTES, Integer.toString(300 * 1024));
        Task embed = WorkerMain.tasks(env).runnable("embed").orElseThrow();
        List<Integer> textsPerBatch = new CopyOnWriteArrayList<>();
        Task recording = new Task() {
            @Override public String name() { return embed.name(); }
            @Override public Lane lane() { return embed.lane(); }
            @Override public int units(JsonNode input) { return embed.units(input); }
            @Override public JsonNode validate(JsonNode input) throws InvalidInputException {
                return embed.validate(input);
            }
            @Override public List<Outcome> runBatch(List<JobContext> jobs) {
                List<JsonNode> inputs = JobContext.inputs(jobs);
                textsPerBatch.add(inputs.stream().mapToInt(embed::units).sum());
                return embed.runBatch(jobs);
            }
        };
        List<String> ids = new ArrayList<>();
        for (int texts : new int[] {3, 3, 3, 3, 10}) {
            ids.add(enqueue(store, queue, texts));
        }
        Worker worker = WorkerMain.create(env, Settings.fromEnv(env), WorkerSettings.fromEnv(env),
                TaskRegistry.of(recording));
        worker.start();
        try {
            for (String id : ids) {
                Job job = awaitTerminal(store, id);
                assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
            }
        } finally {
            worker.shutdown();
            worker.awaitTermination(Duration.ofSeconds(30));
        }

        assertThat(textsPerBatch.stream().mapToInt(Integer::intValue).sum()).isEqualTo(22);
        assertThat(textsPerBatch).contains(10).allSatisfy(texts -> assertThat(texts).isIn(3, 6, 10));
        assertThat(store.find(ids.get(4)).orElseThrow().result().path("embeddings").size()).isEqualTo(10);
    }

    private static String enqueue(DynamoDbJobStore store, SqsJobQueue queue, int texts) {
        ObjectNode input = JsonNodeFactory.instance.objectNode();
        ArrayNode list = input.putArray("texts");
        for (int i = 0; i < texts; i++) {
            list.add("sentence " + i + " of a job with " + texts);
        }
        Instant now = Instant.now();
        Job job = Job.queued(JobIds.random(), "batch-it", "embed", Lane.GPU, null, input, null, "test", now,
                now.plus(Duration.ofDays(1)));
        store.create(job);
        queue.send(Lane.GPU, JobEnvelope.of(job));
        return job.jobId();
    }

    private static Job awaitTerminal(DynamoDbJobStore store, String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            var job = store.find(jobId);
            if (job.isPresent() && job.get().status().isTerminal()) {
                return job.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + jobId + " did not end in " + WAIT + ": " + job);
            }
            Thread.sleep(50);
        }
    }
}
