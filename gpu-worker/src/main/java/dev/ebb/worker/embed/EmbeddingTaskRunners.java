package dev.ebb.worker.embed;

import dev.ebb.core.task.Lane;
import dev.ebb.core.task.Task;
import dev.ebb.core.task.TaskProvider;
import dev.ebb.core.task.TaskSpec;
import dev.ebb.worker.model.LoadedModels;
import dev.ebb.worker.model.ModelSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runners of {@code embed} and {@code classify}, whose contracts core declares. Asked for by a gpu-lane worker,
 * the default embedding model ({@code EBB_MODEL}, on {@code EBB_DEVICE}) loads and warms up here, once per process
 * and model settings, so a worker built on these runners takes no message before its model is ready; a bad model
 * setting fails here, at start. A cpu-lane worker gets none: the submit path sends embed and classify to the gpu
 * lane only, so it would load a model for nothing.
 */
public final class EmbeddingTaskRunners implements TaskProvider {
    private static final Map<ModelSettings, LoadedModels> MODELS = new ConcurrentHashMap<>();

    /**
     * The semantic cache's {@link dev.ebb.core.cache.Embedder} on this process's models for {@code env}: the same
     * {@link LoadedModels} the embed and classify runners use (loaded on first use where no runner loaded them yet),
     * so a lookup embeds with the very model its job asked for.
     */
    public static ModelEmbedder embedder(Map<String, String> env) {
        ModelSettings modelSettings = ModelSettings.fromEnv(env);
        return new ModelEmbedder(name -> {
            if (System.getProperty("ai.djl.offline") == null) {
                System.setProperty("ai.djl.offline", "true");
            }
            return MODELS.computeIfAbsent(modelSettings, LoadedModels::start).get(name);
        });
    }

    @Override
    public List<TaskSpec> contracts(Map<String, String> env) {
        return List.of();
    }

    @Override
    public List<Task> runners(Map<String, String> env, Lane lane) {
        if (lane != Lane.GPU) {
            return List.of();
        }
        ModelSettings modelSettings = ModelSettings.fromEnv(env);
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // the model files come from our jars; fetch nothing
        }
        LoadedModels models = MODELS.computeIfAbsent(modelSettings, LoadedModels::start);
        return List.of(new EmbedTask(models), new ClassifyTask(models));
    }
}
