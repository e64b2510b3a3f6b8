package dev.ebb.local.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.config.AwsClientFactory;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.chat.ChatSettings;
import dev.ebb.core.task.chat.ChatTask;
import dev.ebb.functions.DependencyFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointBlock;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointType;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * The Bedrock stand-in driven by the real SDK clients (the synchronous one for Converse, the asynchronous one for
 * ConverseStream, both through core's client factory with an endpoint override, as the functions build theirs),
 * and the chat task's runner against it: replies, history, usage, cache points, every error type and a throttle in
 * the middle of a stream. In process, on 127.0.0.1.
 */
class LocalBedrockTest {
    private static final String MODEL = ChatSettings.DEFAULT_MODEL;
    private static LocalBedrock bedrock;
    private static BedrockRuntimeClient sync;
    private static BedrockRuntimeAsyncClient async;

    @BeforeAll
    static void start() throws Exception {
        bedrock = LocalBedrock.start(0, Duration.ofMillis(5));
        AwsClientFactory clients = AwsClientFactory.builder()
                .environment(Map.of("AWS_REGION", "us-east-1",
                        Deployment.BEDROCK_ENDPOINT.name(), bedrock.endpoint().toString()))
                .httpClient(UrlConnectionHttpClient::builder)
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build();
        sync = clients.client(BedrockRuntimeClient.builder(), Deployment.BEDROCK_ENDPOINT);
        async = clients.asyncClient(BedrockRuntimeAsyncClient.builder(), Deployment.BEDROCK_ENDPOINT,
                DependencyFactory.bedrockHttpClient(), Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        sync.close();
        async.close();
        bedrock.close();
    }

    @BeforeEach
    void reset() {
        bedrock.reset();
    }

    private static Message user(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    private static Message assistant(String text) {
        return Message.builder().role(ConversationRole.ASSISTANT).content(ContentBlock.fromText(text)).build();
    }

    @Test
    void converse_answersAsAStandInFromTheHistoryItIsSent_andReportsUsage() {
        ConverseResponse response = sync.converse(r -> r.modelId(MODEL).messages(
                user("Hello, my name is Ada."), assistant("Hello Ada."), user("What is my name?")));

        String text = response.output().message().content().getFirst().text();
        assertThat(text).startsWith(LocalBedrock.PREFIX).contains("Your name is Ada");
        assertThat(response.stopReasonAsString()).isEqualTo("end_turn");
        assertThat(response.usage().inputTokens()).isPositive();
        assertThat(response.usage().outputTokens()).isPositive();

        String alone = sync.converse(r -> r.modelId(MODEL).messages(user("What is my name?")))
                .output().message().content().getFirst().text();
        assertThat(alone).contains("have not told me your name");
    }

    @Test
    void converse_honoursMaxTokens() {
        ConverseResponse response = sync.converse(r -> r.modelId(MODEL).messages(user("count to 50"))
                .inferenceConfig(c -> c.maxTokens(5)));
        assertThat(response.stopReasonAsString()).isEqualTo("max_tokens");
        assertThat(response.output().message().content().getFirst().text()).isEqualTo(LocalBedrock.PREFIX + "1 2 3 4 5 ");
    }

    @Test
    void converse_aCachePointWritesThePrefixOnceThenReadsIt() {
        Message withCachePoint = Message.builder().role(ConversationRole.ASSISTANT).content(
                ContentBlock.fromText("An earlier reply, long enough to be worth caching."),
                ContentBlock.fromCachePoint(CachePointBlock.builder().type(CachePointType.DEFAULT).build())).build();
        var first = sync.converse(r -> r.modelId(MODEL).messages(user("first"), withCachePoint, user("second")))
                .usage();
        var again = sync.converse(r -> r.modelId(MODEL).messages(user("first"), withCachePoint, user("third")))
                .usage();
        assertThat(first.cacheWriteInputTokens()).isPositive();
        assertThat(first.cacheReadInputTokens()).isZero();
        assertThat(again.cacheReadInputTokens()).isEqualTo(first.cacheWriteInputTokens());
        assertThat(again.cacheWriteInputTokens()).isZero();
    }

    @Test
    void converse_throttlesOnDemand_theSdkRetriesThenGivesUp() {
        bedrock.failNext(LocalBedrock.Fault.THROTTLE, 2);
        int before = bedrock.calls();
        assertThat(sync.converse(r -> r.modelId(MODEL).messages(user("hi"))).output().message().content()
                .getFirst().text()).startsWith(LocalBedrock.PREFIX);
        assertThat(bedrock.calls() - before).isEqualTo(3); // two throttled attempts, then the answer

        bedrock.failNext(LocalBedrock.Fault.THROTTLE, 10);
        assertThatThrownBy(() -> sync.converse(r -> r.modelId(MODEL).messages(user("hi"))))
                .isInstanceOf(ThrottlingException.class);
        bedrock.reset();
        bedrock.failNext(LocalBedrock.Fault.VALIDATION, 1);
        assertThatThrownBy(() -> sync.converse(r -> r.modelId(MODEL).messages(user("hi"))))
                .isInstanceOf(ValidationException.class).hasMessageContaining("input is too long");
    }

    private static ChatTask task(List<String> partials) {
        return new ChatTask(ChatSettings.fromEnv(Map.of()), async, null, (jobId, text) -> partials.add(text),
                Clock.systemUTC());
    }

    private static JobContext turn(String text) {
        return new JobContext("j_test", "tenant", null, null, Json.MAPPER.createObjectNode().put("text", text)
                .put("maxTokens", 500));
    }

    @Test
    void chatTask_streamsAReplyThroughConverseStream_withUsageAndCost() {
        List<String> partials = new CopyOnWriteArrayList<>();
        bedrock.failNext(LocalBedrock.Fault.THROTTLE, 0);
        Outcome outcome = task(partials).runBatch(List.of(turn("count to 200"))).getFirst();

        assertThat(outcome).isInstanceOf(Outcome.Success.class);
        JsonNode result = ((Outcome.Success) outcome).result();
        assertThat(result.get("reply").asText()).startsWith(LocalBedrock.PREFIX).endsWith("199 200.");
        assertThat(result.at("/usage/outputTokens").asLong()).isPositive();
        assertThat(result.get("costUsd").asDouble()).isPositive();
        assertThat(result.get("model").asText()).isEqualTo(MODEL);
        // 200 pieces 5 ms apart: the text so far was written while it streamed, a few times, not per piece.
        assertThat(partials).isNotEmpty().hasSizeLessThan(50);
        assertThat(partials.getFirst()).startsWith(LocalBedrock.PREFIX);
        assertThat(result.get("reply").asText()).startsWith(partials.getLast());
    }

    @Test
    void chatTask_aThrottleMidStreamRestartsTheText_notDuplicatesIt() {
        bedrock.failNext(LocalBedrock.Fault.THROTTLE_MID_STREAM, 1);
        int before = bedrock.calls();
        Outcome outcome = task(new CopyOnWriteArrayList<>()).runBatch(List.of(turn("count to 20"))).getFirst();

        assertThat(bedrock.calls() - before).isEqualTo(2); // the SDK sent the whole request again
        assertThat(((Outcome.Success) outcome).result().get("reply").asText())
                .isEqualTo(LocalBedrock.PREFIX + "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20.");
    }

    @Test
    void chatTask_mapsEachBedrockError() {
        record Case(LocalBedrock.Fault fault, int calls, Class<?> kind, String code) {
        }
        for (Case c : List.of(
                new Case(LocalBedrock.Fault.THROTTLE, 10, Outcome.Retry.class, "bedrock_throttled"),
                new Case(LocalBedrock.Fault.MODEL_NOT_READY, 10, Outcome.Retry.class, "bedrock_model_not_ready"),
                new Case(LocalBedrock.Fault.VALIDATION, 1, Outcome.Failure.class, "bedrock_validation"),
                new Case(LocalBedrock.Fault.ACCESS_DENIED, 1, Outcome.Failure.class, "bedrock_access_denied"),
                new Case(LocalBedrock.Fault.NOT_FOUND, 1, Outcome.Failure.class, "bedrock_model_not_found"),
                new Case(LocalBedrock.Fault.QUOTA, 1, Outcome.Failure.class, "bedrock_quota_exceeded"))) {
            bedrock.reset();
            bedrock.failNext(c.fault(), c.calls());
            Outcome outcome = task(new CopyOnWriteArrayList<>()).runBatch(List.of(turn("hello"))).getFirst();
            assertThat(outcome).as(c.fault().name()).isInstanceOf(c.kind());
            String code = outcome instanceof Outcome.Retry r ? r.code() : ((Outcome.Failure) outcome).code();
            String message = outcome instanceof Outcome.Retry r ? r.message() : ((Outcome.Failure) outcome).message();
            assertThat(code).as(c.fault().name()).isEqualTo(c.code());
            assertThat(message).as("Bedrock's own message is kept").contains(c.fault().message);
        }
        // Access denied says what to do.
        bedrock.reset();
        bedrock.failNext(LocalBedrock.Fault.ACCESS_DENIED, 1);
        assertThat(((Outcome.Failure) task(new CopyOnWriteArrayList<>()).runBatch(List.of(turn("hello")))
                .getFirst()).message()).contains("model access");
    }
}
