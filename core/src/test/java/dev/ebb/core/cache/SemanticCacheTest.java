package dev.ebb.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.SubmitRequest.CacheMode;
import org.junit.jupiter.api.Test;

/**
 * The semantic cache's threshold and its eligibility rule, with vectors made to an exact cosine (no model: the
 * lookup's arithmetic is what is tested here).
 */
class SemanticCacheTest {
    private static final JsonNode POSITIVE = Json.MAPPER.createObjectNode().put("label", "positive");

    /** A unit vector at cosine {@code c} to (1, 0, 0, ...). */
    private static float[] atCosine(double c) {
        float[] v = new float[384];
        v[0] = (float) c;
        v[1] = (float) Math.sqrt(1 - c * c);
        return v;
    }

    private static SemanticRequest standAlone(String partition) {
        return new SemanticRequest("acme", partition, "I love this phone", null, 0, CacheMode.DEFAULT);
    }

    @Test
    void aRequestJustAboveTheThreshold_hits_andJustBelow_misses() {
        SemanticCache cache = new SemanticCache(0.95, 100);
        cache.store(standAlone("p"), atCosine(1.0), POSITIVE);

        assertThat(cache.lookup(standAlone("p"), atCosine(0.951))).hasValueSatisfying(hit -> {
            assertThat(hit.result()).isEqualTo(POSITIVE);
            assertThat(hit.similarity()).isCloseTo(0.951, org.assertj.core.api.Assertions.within(1e-4));
        });
        assertThat(cache.lookup(standAlone("p"), atCosine(0.949))).isEmpty();
    }

    @Test
    void onlyTheSamePartition_isCompared() {
        SemanticCache cache = new SemanticCache(0.95, 100);
        cache.store(standAlone("acme/classify/minilm/labels-a"), atCosine(1.0), POSITIVE);
        assertThat(cache.lookup(standAlone("acme/classify/minilm/labels-b"), atCosine(1.0))).isEmpty();
    }

    @Test
    void aLaterTurnOfASession_neverHits_butItsFirstTurnMay() {
        SemanticCache cache = new SemanticCache(0.95, 100);
        cache.store(standAlone("p"), atCosine(1.0), POSITIVE);
        SemanticRequest first = new SemanticRequest("acme", "p", "I love this phone", "s-1", 1, CacheMode.DEFAULT);
        SemanticRequest later = new SemanticRequest("acme", "p", "I love this phone", "s-1", 2, CacheMode.DEFAULT);

        assertThat(cache.lookup(first, atCosine(1.0))).isPresent();
        assertThat(later.eligible()).isFalse();
        assertThat(cache.lookup(later, atCosine(1.0))).as("identical text, later turn").isEmpty();

        SemanticCache fresh = new SemanticCache(0.95, 100);
        fresh.store(later, atCosine(1.0), POSITIVE);
        assertThat(fresh.lookup(standAlone("p"), atCosine(1.0))).as("a later turn's answer is never stored").isEmpty();
    }

    @Test
    void cacheOff_neverHits_andCacheRead_neverStores() {
        SemanticCache cache = new SemanticCache(0.95, 100);
        cache.store(new SemanticRequest("acme", "p", "t", null, 0, CacheMode.READ), atCosine(1.0), POSITIVE);
        assertThat(cache.lookup(standAlone("p"), atCosine(1.0))).isEmpty();
        cache.store(standAlone("p"), atCosine(1.0), POSITIVE);
        assertThat(cache.lookup(new SemanticRequest("acme", "p", "t", null, 0, CacheMode.OFF), atCosine(1.0)))
                .isEmpty();
    }

    @Test
    void eachPartition_keepsOnlyItsLatestEntries() {
        SemanticCache cache = new SemanticCache(0.95, 1);
        cache.store(standAlone("p"), atCosine(1.0), POSITIVE);
        cache.store(standAlone("p"), atCosine(0.0), Json.MAPPER.createObjectNode().put("label", "negative"));
        assertThat(cache.lookup(standAlone("p"), atCosine(1.0))).isEmpty();
    }
}
