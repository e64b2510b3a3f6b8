package dev.ebb.worker.model;

import dev.ebb.core.task.embed.EmbeddingModels;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one worker process. The default model ({@code EBB_MODEL}) loads and warms up at start, before the
 * worker takes a message; the other known model loads on the first job that names it. Both stay loaded: they are
 * small (90 MB and 23 MB of weights), and any gpu worker can then serve any job, so the submit side needs no
 * routing by model.
 */
public final class LoadedModels implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadedModels.class);

    private final ModelSettings settings;
    private final Map<String, EmbeddingModel> models = new ConcurrentHashMap<>();

    private LoadedModels(ModelSettings settings) {
        this.settings = settings;
    }

    /** Loads and warms up the default model; fails (at start) if it cannot. */
    public static LoadedModels start(ModelSettings settings) {
        LoadedModels loaded = new LoadedModels(settings);
        loaded.get(settings.model());
        return loaded;
    }

    /** The model for a job: {@code null} is the default; a known model is loaded on first use. */
    public EmbeddingModel get(String name) {
        String model = name == null ? settings.model() : name;
        if (!EmbeddingModels.isKnown(model)) {
            throw new IllegalArgumentException("unknown model '" + model + "'");
        }
        EmbeddingModel existing = models.get(model);
        if (existing != null) {
            return existing;
        }
        synchronized (this) {
            return models.computeIfAbsent(model, m -> {
                log.info("loading model {}", m);
                return EmbeddingModel.load(m, settings.modelDir(), settings.device(), settings.threads());
            });
        }
    }

    public ModelSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        models.values().forEach(EmbeddingModel::close);
        models.clear();
    }
}
