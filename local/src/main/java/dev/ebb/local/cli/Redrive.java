package dev.ebb.local.cli;

import dev.ebb.local.runtime.LocalClients;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.core.config.Settings;
import dev.ebb.core.run.DeadLetters;
import dev.ebb.core.task.Lane;
import dev.ebb.functions.DependencyFactory;
import dev.ebb.local.cloud.LocalCloud;
import dev.ebb.local.cloud.ProvisionedResources;
import dev.ebb.local.cloud.ResourceSpec;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code ebb redrive [--lane gpu|cpu] [--max N]}: queues dead-lettered jobs again, through the same code as the
 * redrive function. Uses the running local cloud ({@code ebb up}), or opens the state in {@code --data DIR} when
 * none runs.
 */
final class Redrive {
    private static final URI RUNNING_DYNAMODB = URI.create("http://127.0.0.1:8000");
    private static final URI RUNNING_SQS = URI.create("http://127.0.0.1:9324");

    private Redrive() {
    }

    static int run(List<Lane> lanes, int max, Path data, PrintStream out) {
        LocalClients.useLocalCredentials();
        if (isRunning()) {
            return redrive(new DependencyFactory(runningEnvironment()).deadLetters(), lanes, max, out);
        }
        try (LocalCloud cloud = new LocalCloud(LocalCloud.Config.builder().dataDir(data).sqsPort(0).dynamoDbPort(0)
                .build()).start()) {
            ProvisionedResources resources = cloud.provision(ResourceSpec.defaults());
            Map<String, String> env = new HashMap<>(LocalRuntime.environment(cloud, resources));
            return redrive(new DependencyFactory(env).deadLetters(), lanes, max, out);
        }
    }

    /**
     * What the functions read to reach the running local cloud ({@code ebb up}: DynamoDB on 8000, SQS on 9324), its
     * queues' URLs asked of the queue server: so a command builds the same services the functions run on it.
     */
    static Map<String, String> runningEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_REGION", LocalClients.REGION.id());
        env.put(DependencyFactory.DYNAMODB_ENDPOINT, RUNNING_DYNAMODB.toString());
        env.put(DependencyFactory.SQS_ENDPOINT, RUNNING_SQS.toString());
        ResourceSpec spec = ResourceSpec.defaults();
        try (SqsClient sqs = SqsClient.builder().region(LocalClients.REGION).endpointOverride(RUNNING_SQS)
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            for (Lane lane : Lane.values()) {
                String url = sqs.getQueueUrl(r -> r.queueName(spec.queueName(lane.id()))).queueUrl();
                env.put(dev.ebb.core.config.Deployment.lane(lane).urlVariable().name(), url);
            }
        }
        return env;
    }

    private static int redrive(DeadLetters deadLetters, List<Lane> lanes, int max, PrintStream out) {
        for (Lane lane : lanes) {
            DeadLetters.RedriveReport report = deadLetters.redrive(lane, max);
            out.printf("%s: redriven %d, skipped %d%s%n", lane.id(), report.redriven(), report.skipped(),
                    report.more() ? " (more left: run it again)" : "");
        }
        return 0;
    }

    private static boolean isRunning() {
        try (DynamoDbClient dynamoDb = DynamoDbClient.builder().region(LocalClients.REGION)
                .endpointOverride(RUNNING_DYNAMODB)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(Duration.ofSeconds(5)).build())
                .build()) {
            dynamoDb.listTables(r -> r.limit(1));
            return true;
        } catch (SdkClientException notRunning) {
            return false;
        }
    }
}
