package dev.ebb.core.task;

import dev.ebb.core.task.chat.ChatSettings;
import dev.ebb.core.task.chat.ChatSpec;
import dev.ebb.core.task.embed.ClassifySpec;
import dev.ebb.core.task.embed.EmbedSettings;
import dev.ebb.core.task.embed.EmbedSpec;
import dev.ebb.core.task.math.MathTask;
import java.util.List;
import java.util.Map;

/**
 * The tasks Ebb ships: {@code math} (cpu lane, run right here), and the contracts of {@code embed} and
 * {@code classify} (gpu lane; their runners, which need the model, live in the gpu worker), and the contract of
 * {@code chat} (llm lane; its runner, {@code ChatTask}, needs a Bedrock client and the sessions table, which the
 * llm consumer's factory builds).
 */
public final class BuiltInTasks implements TaskProvider {

    @Override
    public List<TaskSpec> contracts(Map<String, String> env) {
        EmbedSettings embed = EmbedSettings.fromEnv(env);
        return List.of(new MathTask(), new EmbedSpec(embed), new ClassifySpec(embed),
                new ChatSpec(ChatSettings.fromEnv(env)));
    }
}
