package dev.ebb.worker.model;

import dev.ebb.core.cache.SemanticCache;
import java.util.List;

/** Vector arithmetic of the classify task, apart from the model so it is tested without one. */
public final class Similarity {
    private Similarity() {
    }

    /** The mean of vectors, scaled back to length 1 (the direction they share). */
    public static float[] centroid(List<float[]> vectors) {
        float[] sum = new float[vectors.get(0).length];
        for (float[] vector : vectors) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += vector[i];
            }
        }
        double norm = Math.sqrt(dot(sum, sum));
        if (norm > 0) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] = (float) (sum[i] / norm);
            }
        }
        return sum;
    }

    /** The cosine similarity of two vectors of length 1: their dot product ({@link SemanticCache#dot}). */
    public static double dot(float[] a, float[] b) {
        return SemanticCache.dot(a, b);
    }
}
