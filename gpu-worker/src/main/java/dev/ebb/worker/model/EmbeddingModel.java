package dev.ebb.worker.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.translator.TextEmbeddingTranslatorFactory;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.task.embed.EmbeddingModels;
import dev.ebb.worker.model.ModelSettings.DeviceChoice;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sentence-embedding model loaded by DJL on ONNX Runtime: {@code Criteria → ZooModel}, loaded once per process,
 * with one {@link Predictor} per calling thread (a predictor is not thread-safe; the model is).
 *
 * <p>Texts longer than the model's 256-token window are truncated by the tokenizer; {@link #embed} says which were.
 * Only a text of more than 254 code points can be that long (each token covers at least one code point, and two
 * are [CLS] and [SEP]), so short texts are never tokenized twice.
 */
public final class EmbeddingModel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddingModel.class);
    private static final String ENGINE = "OnnxRuntime";

    /** A vector and whether its text was cut to the model's window. */
    public record Embedding(float[] vector, boolean truncated) {
    }

    private final String name;
    private final ZooModel<String, float[]> model;
    private final HuggingFaceTokenizer lengthTokenizer;
    private final String device;
    private final Duration loadTime;
    private final ThreadLocal<Predictor<String, float[]>> predictors;
    private final Queue<Predictor<String, float[]>> allPredictors = new ConcurrentLinkedQueue<>();

    private EmbeddingModel(String name, ZooModel<String, float[]> model, HuggingFaceTokenizer lengthTokenizer,
                           String device, Duration loadTime) {
        this.name = name;
        this.model = model;
        this.lengthTokenizer = lengthTokenizer;
        this.device = device;
        this.loadTime = loadTime;
        this.predictors = ThreadLocal.withInitial(() -> {
            Predictor<String, float[]> predictor = model.newPredictor();
            allPredictors.add(predictor);
            return predictor;
        });
    }

    /**
     * Unpacks (once) and loads {@code name} on the chosen device, then warms it up. {@code AUTO} tries the CUDA
     * execution provider and falls back to the CPU; {@code GPU} fails when there is no usable GPU.
     */
    public static EmbeddingModel load(String name, Path cacheRoot, DeviceChoice choice) {
        return load(name, cacheRoot, choice, 0);
    }

    /**
     * As {@link #load(String, Path, DeviceChoice)}, with ONNX Runtime's intra-op threads per call ({@code threads};
     * 0: ONNX Runtime's default, one per core). With 1 a call runs on the calling thread alone, so a process pinned
     * to one core keeps its model there.
     */
    public static EmbeddingModel load(String name, Path cacheRoot, DeviceChoice choice, int threads) {
        long start = System.nanoTime();
        Path dir = ModelFiles.ensure(name, cacheRoot);
        ZooModel<String, float[]> model = null;
        String device = "cpu";
        if (choice != DeviceChoice.CPU) {
            int gpus = Engine.getEngine(ENGINE).getGpuCount();
            if (gpus == 0 && choice == DeviceChoice.GPU) {
                throw new SettingsException(ModelSettings.DEVICE + "=gpu but no GPU is visible to ONNX Runtime "
                        + "(set " + ModelSettings.DEVICE + "=auto to fall back to the CPU)");
            }
            if (gpus > 0) {
                try {
                    model = criteria(dir, Device.gpu(), threads).loadModel();
                    device = "gpu";
                } catch (Exception | UnsatisfiedLinkError e) {
                    if (choice == DeviceChoice.GPU) {
                        throw new SettingsException(ModelSettings.DEVICE + "=gpu but the CUDA execution provider "
                                + "did not load (is the onnxruntime_gpu build on the class path?): " + e);
                    }
                    log.warn("model {}: the CUDA execution provider did not load ({}); running on the CPU", name,
                            e.toString());
                }
            } else {
                log.info("model {}: no GPU visible; running on the CPU", name);
            }
        }
        try {
            if (model == null) {
                model = criteria(dir, Device.cpu(), threads).loadModel();
            }
            HuggingFaceTokenizer lengthTokenizer = HuggingFaceTokenizer.newInstance(
                    dir.resolve(ModelFiles.TOKENIZER_FILE), Map.of("truncation", "false", "padding", "false"));
            EmbeddingModel loaded = new EmbeddingModel(name, model, lengthTokenizer, device,
                    Duration.ofNanos(System.nanoTime() - start));
            loaded.warmUp();
            log.info("model {} loaded on {} in {} ms (warm-up included)", name, device,
                    Duration.ofNanos(System.nanoTime() - start).toMillis());
            return loaded;
        } catch (Exception e) {
            if (model != null) {
                model.close();
            }
            throw new IllegalStateException("cannot load model " + name + " from " + dir + ": " + e, e);
        }
    }

    /** The DJL criteria for a model folder: mean pooling, normalised, 256-token window, nothing fetched. */
    static Criteria<String, float[]> criteria(Path dir, Device device, int threads) {
        Criteria.Builder<String, float[]> builder = Criteria.builder()
                .setTypes(String.class, float[].class)
                .optModelPath(dir)
                .optEngine(ENGINE)
                .optDevice(device)
                .optTranslatorFactory(new TextEmbeddingTranslatorFactory())
                .optArgument("pooling", "mean")
                .optArgument("normalize", "true")
                .optArgument("includeTokenTypes", "true")
                .optArgument("padding", "true")
                .optArgument("truncation", "true")
                .optArgument("maxLength", String.valueOf(EmbeddingModels.MAX_TOKENS));
        if (threads > 0) {
            // DJL's OrtModel sets the intra-op threads only where the inter-op threads are given too (DJL 0.38), so
            // both are: inter-op threads serve only the parallel execution mode, which the session does not use.
            builder.optOption("interOpNumThreads", "1");
            builder.optOption("intraOpNumThreads", String.valueOf(threads));
        }
        return builder.build();
    }

    private void warmUp() throws TranslateException {
        // ONNX Runtime plans its first runs of each shape slowly; take that before the first job, not during it.
        predictor().batchPredict(List.of("warm up"));
        predictor().batchPredict(List.of("The worker warms its model up before it takes a job.",
                "A second sentence of a different length", "and a third", "four", "five", "six", "seven", "eight"));
    }

    /**
     * The most characters of one text the tokenizer is given. The model reads 256 tokens; a WordPiece token of
     * natural text covers a handful of characters, so any text whose first 256 tokens lie in its first 16,384
     * characters embeds exactly as it would whole, and a megabyte-long text costs the tokenizer 16 K characters, not
     * a megabyte. (Only text of runs of unbroken non-vocabulary words, each a single [UNK] token of any length, can
     * reach past that: it is cut there, and reported as truncated like any other long text.)
     */
    public static final int MAX_CHARS_READ = 16_384;

    /** Embeds texts in one batch on the calling thread's predictor. Throws if the batch fails as a whole. */
    public List<Embedding> embed(List<String> texts) {
        List<String> read = texts.stream().map(EmbeddingModel::clip).toList();
        List<float[]> vectors;
        try {
            vectors = predictor().batchPredict(read);
        } catch (TranslateException e) {
            throw new IllegalStateException("the model failed on a batch of " + texts.size() + " texts", e);
        }
        if (vectors.size() != texts.size()) {
            throw new IllegalStateException("the model returned " + vectors.size() + " vectors for " + texts.size()
                    + " texts");
        }
        List<Embedding> embeddings = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            embeddings.add(new Embedding(vectors.get(i), read.get(i).length() < text.length() || truncated(read.get(i))));
        }
        return embeddings;
    }

    /** The text as the tokenizer gets it: at most {@link #MAX_CHARS_READ} characters, never half a surrogate pair. */
    static String clip(String text) {
        if (text.length() <= MAX_CHARS_READ) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_CHARS_READ - 1)) ? MAX_CHARS_READ - 1 : MAX_CHARS_READ;
        return text.substring(0, end);
    }

    /** Whether the text is longer than the model's window (and so was cut). */
    boolean truncated(String text) {
        if (text.length() <= EmbeddingModels.MAX_TOKENS - 2
                || text.codePointCount(0, text.length()) <= EmbeddingModels.MAX_TOKENS - 2) {
            return false;
        }
        return lengthTokenizer.encode(text).getIds().length > EmbeddingModels.MAX_TOKENS;
    }

    /** The calling thread's predictor, made on its first use. */
    public Predictor<String, float[]> predictor() {
        return predictors.get();
    }

    public String name() {
        return name;
    }

    /** {@code gpu} or {@code cpu}: where this model runs. */
    public String device() {
        return device;
    }

    public Duration loadTime() {
        return loadTime;
    }

    @Override
    public void close() {
        allPredictors.forEach(Predictor::close);
        allPredictors.clear();
        lengthTokenizer.close();
        model.close();
    }
}
