package dev.ebb.local;

import dev.ebb.local.cli.EbbClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.local.cloud.EmbeddedCloud;
import dev.ebb.local.cloud.LocalCloud;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The README's promise: the AWS CLI, pointed at the local endpoints with any credentials, sees the real queues,
 * tables and bucket, and a file it copies under {@code uploads/} becomes a job. Skipped where no {@code aws} command
 * runs.
 */
class AwsCliIT {
    private static final long TIMEOUT_SECONDS = 120;

    private static LocalCloud cloud;
    /** Why the tests cannot run here, or null when an {@code aws} command works. */
    private static String noCli;

    @BeforeAll
    static void cliAndCloud() throws Exception {
        if (!onPath("aws")) {
            noCli = "no aws command on PATH";
            return;
        }
        Result version = run(List.of("aws", "--version"));
        if (version.exitCode() != 0) {
            noCli = "aws --version failed: " + version.describe();
            return;
        }
        cloud = EmbeddedCloud.get();
    }

    @BeforeEach
    void requireCli() {
        assumeTrue(noCli == null, () -> noCli);
    }

    @Test
    void listQueues_namesEveryLaneQueueAndItsDlq() throws Exception {
        Result result = aws(cloud.sqsEndpoint().toString(), "sqs", "list-queues");

        assertThat(result.exitCode()).as(result.describe()).isZero();
        JsonNode urls = Json.MAPPER.readTree(result.output()).path("QueueUrls");
        List<String> names = new ArrayList<>();
        urls.forEach(url -> names.add(url.asText().substring(url.asText().lastIndexOf('/') + 1)));
        assertThat(names).contains("ebb-gpu", "ebb-cpu", "ebb-gpu-dlq", "ebb-cpu-dlq");
    }

    @Test
    void s3apiListBuckets_showsTheDataBucket() throws Exception {
        Result result = aws(cloud.s3Endpoint().toString(), "s3api", "list-buckets");

        assertThat(result.exitCode()).as(result.describe()).isZero();
        List<String> names = new ArrayList<>();
        Json.MAPPER.readTree(result.output()).path("Buckets").forEach(b -> names.add(b.path("Name").asText()));
        assertThat(names).as(result.describe()).contains("ebb-data");
    }

    @Test
    void describeTimeToLive_showsTtlEnabledOnExpiresAt() throws Exception {
        Result result = aws(cloud.dynamoDbEndpoint().toString(),
                "dynamodb", "describe-time-to-live", "--table-name", "ebb-jobs");

        assertThat(result.exitCode()).as(result.describe()).isZero();
        JsonNode ttl = Json.MAPPER.readTree(result.output()).path("TimeToLiveDescription");
        assertThat(ttl.path("TimeToLiveStatus").asText()).as(result.describe()).isEqualTo("ENABLED");
        assertThat(ttl.path("AttributeName").asText()).as(result.describe()).isEqualTo("expiresAt");
    }

    @Test
    void redrivePolicy_ofTheCpuQueue_namesItsDlq() throws Exception {
        String cpuUrl = EmbeddedCloud.resources().queueUrl("cpu");
        String dlqUrl = EmbeddedCloud.resources().dlqUrl("cpu");
        String dlqArn = cloud.sqsClient().getQueueAttributes(r -> r.queueUrl(dlqUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);

        Result result = aws(cloud.sqsEndpoint().toString(), "sqs", "get-queue-attributes",
                "--queue-url", cpuUrl, "--attribute-names", "RedrivePolicy");

        assertThat(result.exitCode()).as(result.describe()).isZero();
        String policyText = Json.MAPPER.readTree(result.output()).path("Attributes").path("RedrivePolicy").asText();
        assertThat(policyText).as(result.describe()).isNotEmpty();
        JsonNode policy = Json.MAPPER.readTree(policyText);
        assertThat(dlqArn).endsWith(":ebb-cpu-dlq");
        assertThat(policy.path("deadLetterTargetArn").asText()).isEqualTo(dlqArn);
        assertThat(policy.path("maxReceiveCount").asInt()).isPositive();
    }

    @Test
    void s3CpUnderUploads_makesAJob_thatTheListShowsWithItsResult() throws Exception {
        EbbClient client = EmbeddedEbb.client("cli");
        Path file = Files.createTempFile("question-", ".txt");
        Files.writeString(file, "What is 9 minus 4?");
        String key = "uploads/cli/math/x.txt";

        Result result = aws(cloud.s3Endpoint().toString(), "s3", "cp", file.toString(), "s3://ebb-data/" + key);

        assertThat(result.exitCode()).as(result.describe()).isZero();
        JsonNode job = UploadIT.finishedJobOf(client, key);
        assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(job.path("result").path("text").asText()).isEqualTo("9 minus 4 = 5");
        assertThat(job.path("uploadKey").asText()).isEqualTo(key);
    }

    @Test
    void describeTable_showsTheJobsTablesIndexes() throws Exception {
        Result result = aws(cloud.dynamoDbEndpoint().toString(), "dynamodb", "describe-table", "--table-name", "ebb-jobs");

        assertThat(result.exitCode()).as(result.describe()).isZero();
        List<String> indexes = new ArrayList<>();
        Json.MAPPER.readTree(result.output()).path("Table").path("GlobalSecondaryIndexes")
                .forEach(i -> indexes.add(i.path("IndexName").asText()));
        assertThat(indexes).as(result.describe()).contains("deadLettered", "byTenant");
    }

    // ---- helpers ----

    private static Result aws(String endpoint, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", endpoint, "--output", "json"));
        command.addAll(List.of(args));
        return run(command);
    }

    /** What a command printed: {@code output} is its stdout, {@code errors} its stderr. */
    private record Result(int exitCode, String output, String errors) {
        String describe() {
            return "exit " + exitCode + "\nstdout:\n" + output + "\nstderr:\n" + errors;
        }
    }

    /** Runs a command with placeholder credentials and no user configuration, within a time limit. */
    private static Result run(List<String> command) throws Exception {
        Path stdout = Files.createTempFile("aws-cli-", ".out");
        Path stderr = Files.createTempFile("aws-cli-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> env = builder.environment();
            env.put("AWS_ACCESS_KEY_ID", "local");
            env.put("AWS_SECRET_ACCESS_KEY", "local");
            env.put("AWS_DEFAULT_REGION", "us-east-1");
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_PAGER", "");
            env.put("AWS_CONFIG_FILE", "/dev/null");
            env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
            env.remove("AWS_PROFILE");
            env.remove("AWS_SESSION_TOKEN");
            Process process = builder.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(command + " did not finish in " + TIMEOUT_SECONDS + " s; stderr: "
                        + Files.readString(stderr, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    private static boolean onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }
}
