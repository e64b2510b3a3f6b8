package dev.ebb.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The semantic cache's lookup: the request's vector against the stored vectors of the same partition (tenant scope,
 * task, model and version, parameters — {@link SemanticRequest#partition()}), answering with the nearest entry's
 * result where its cosine similarity is at least {@code threshold} (strict by default: {@link #DEFAULT_THRESHOLD}).
 * Vectors are unit length, so the cosine is the dot product.
 *
 * <p>This is the in-process index the design keeps beside the model in each gpu worker: a bounded ring of the
 * latest {@code perPartition} entries per partition, searched exhaustively (384 floats × 1,000 entries is ~0.4 M
 * multiply-adds, well under a millisecond, against the ~5 ms the model takes per text). See docs/architecture.md
 * for where the vectors live and how the lookup scales beyond one worker. {@link SemanticAnswers} puts it in the
 * runner's path.
 */
public final class SemanticCache {
    /** The similarity gateways use as a strict default. */
    public static final double DEFAULT_THRESHOLD = 0.95;

    private final double threshold;
    private final int perPartition;
    private final Map<String, Deque<Entry>> partitions = new ConcurrentHashMap<>();

    public SemanticCache(double threshold, int perPartition) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], not " + threshold);
        }
        if (perPartition < 1) {
            throw new IllegalArgumentException("perPartition must be at least 1");
        }
        this.threshold = threshold;
        this.perPartition = perPartition;
    }

    /** An answer found by meaning: the cached result and how similar its request was. */
    public record Hit(JsonNode result, double similarity) {
    }

    private record Entry(float[] vector, JsonNode result) {
    }

    /** The nearest cached answer at or above the threshold, unless the request may not be answered semantically. */
    public Optional<Hit> lookup(SemanticRequest request, float[] vector) {
        if (!request.eligible()) {
            return Optional.empty();
        }
        Deque<Entry> entries = partitions.get(request.partition());
        if (entries == null) {
            return Optional.empty();
        }
        Entry best = null;
        double bestSimilarity = -2;
        synchronized (entries) {
            for (Entry entry : entries) {
                double similarity = dot(entry.vector, vector);
                if (similarity > bestSimilarity) {
                    bestSimilarity = similarity;
                    best = entry;
                }
            }
        }
        return best != null && bestSimilarity >= threshold
                ? Optional.of(new Hit(best.result, bestSimilarity)) : Optional.empty();
    }

    /** Keeps a computed answer for later lookups, unless its request may not be cached semantically. */
    public void store(SemanticRequest request, float[] vector, JsonNode result) {
        if (!request.eligible() || request.cache() != dev.ebb.core.api.SubmitRequest.CacheMode.DEFAULT) {
            return;
        }
        Deque<Entry> entries = partitions.computeIfAbsent(request.partition(), p -> new ArrayDeque<>());
        synchronized (entries) {
            entries.addFirst(new Entry(vector.clone(), result));
            while (entries.size() > perPartition) {
                entries.removeLast();
            }
        }
    }

    /** The requests' vectors, through {@code embedder}, for a batch of lookups. */
    public static List<float[]> vectors(Embedder embedder, String model, List<SemanticRequest> requests) {
        return embedder.embed(model, requests.stream().map(SemanticRequest::text).toList());
    }

    /**
     * The cosine similarity of two unit vectors: their dot product. The one implementation of it, for the semantic
     * cache, the worker's classify and {@code ebb similarity} alike.
     */
    public static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " dimensions");
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
