package dev.ebb.core.task.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.Json;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.session.Turn;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;

/** What a turn sends to Bedrock: the history as messages, the system prompt, the limits and the cache point. */
class ChatTaskRequestTest {
    private static ChatTask task(int cacheMinTokens) {
        return new ChatTask(ChatSettings.fromEnv(Map.of(Deployment.CHAT_CACHE_MIN_TOKENS.name(),
                Integer.toString(cacheMinTokens))), null, null, (jobId, text) -> { }, Clock.systemUTC());
    }

    private static Turn ok(String text, String reply) {
        return new Turn("j-" + text, text, null, Turn.SUCCEEDED, Instant.EPOCH, "m", reply, null, null, null, 0);
    }

    @Test
    void request_sendsTheHistoryAsAlternatingMessages_thenTheTurn_withItsLimits() {
        ConverseStreamRequest request = task(0).request("m", "be brief", List.of(ok("one", "1"), ok("two", "2")),
                "three", Json.readTrusted("{\"text\":\"three\",\"maxTokens\":64,\"temperature\":0.2}"));

        assertThat(request.modelId()).isEqualTo("m");
        assertThat(request.messages()).extracting(m -> m.role()).containsExactly(ConversationRole.USER,
                ConversationRole.ASSISTANT, ConversationRole.USER, ConversationRole.ASSISTANT, ConversationRole.USER);
        assertThat(request.messages()).extracting(m -> m.content().getFirst().text())
                .containsExactly("one", "1", "two", "2", "three");
        assertThat(request.system()).extracting(b -> b.text()).containsExactly("be brief");
        assertThat(request.inferenceConfig().maxTokens()).isEqualTo(64);
        assertThat(request.inferenceConfig().temperature()).isEqualTo(0.2f);
        assertThat(request.toString()).doesNotContain("CachePoint");
    }

    @Test
    void request_putsACachePointAfterTheStablePrefix_onceItIsLongEnough() {
        List<Turn> history = List.of(ok("a".repeat(40), "b".repeat(40))); // 20 estimated tokens
        ConverseStreamRequest small = task(100).request("m", null, history, "next", Json.readTrusted("{}"));
        assertThat(small.messages().get(1).content()).extracting(ContentBlock::cachePoint).containsOnlyNulls();

        ConverseStreamRequest large = task(20).request("m", null, history, "next", Json.readTrusted("{}"));
        assertThat(large.messages().get(1).content()).hasSize(2);
        assertThat(large.messages().get(1).content().get(1).cachePoint()).isNotNull();
        assertThat(large.messages().getLast().content()).extracting(ContentBlock::cachePoint).containsOnlyNulls();

        // No history: the cache point follows a long system prompt.
        ConverseStreamRequest system = task(20).request("m", "s".repeat(100), List.of(), "first", Json.readTrusted("{}"));
        assertThat(system.system()).hasSize(2);
        assertThat(system.system().get(1).cachePoint()).isNotNull();
    }
}
