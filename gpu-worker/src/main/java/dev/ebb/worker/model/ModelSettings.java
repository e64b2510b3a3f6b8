package dev.ebb.worker.model;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.config.Env;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.task.embed.EmbeddingModels;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * How a worker runs its model: which model serves jobs that name none ({@code EBB_MODEL}), on which device
 * ({@code EBB_DEVICE}: {@code auto} tries the GPU and falls back to the CPU, {@code cpu}, or {@code gpu}, which
 * refuses to start without one), and where the model files are unpacked once ({@code EBB_MODEL_DIR}, default
 * {@code ~/.cache/ebb/models}), and how many threads ONNX Runtime runs one model call on ({@code EBB_MODEL_THREADS}, 0 for
 * its default of one per core).
 */
public record ModelSettings(String model, DeviceChoice device, Path modelDir, int threads) {
    public static final String MODEL = Deployment.MODEL.name();
    public static final String DEVICE = Deployment.DEVICE.name();
    public static final String MODEL_DIR = Deployment.MODEL_DIR.name();
    public static final String THREADS = Deployment.MODEL_THREADS.name();

    public enum DeviceChoice { AUTO, CPU, GPU }

    public static ModelSettings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        String model = env.string(MODEL, EmbeddingModels.DEFAULT);
        if (!EmbeddingModels.isKnown(model)) {
            throw new SettingsException(MODEL + ": unknown model '" + model + "' (known: "
                    + String.join(", ", EmbeddingModels.NAMES) + ")");
        }
        DeviceChoice device;
        try {
            device = DeviceChoice.valueOf(env.string(DEVICE, "auto").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SettingsException(DEVICE + ": expected auto, cpu or gpu, got '" + vars.get(DEVICE) + "'");
        }
        String dir = env.string(MODEL_DIR, null);
        Path modelDir = dir != null
                ? Path.of(dir)
                : Path.of(System.getProperty("user.home"), ".cache", "ebb", "models");
        return new ModelSettings(model, device, modelDir, env.integer(THREADS, 0, 0, 1024));
    }
}
