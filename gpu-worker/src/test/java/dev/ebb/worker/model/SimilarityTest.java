package dev.ebb.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimilarityTest {

    @Test
    void centroid_isTheMeanDirectionScaledToLengthOne() {
        float[] centre = Similarity.centroid(List.of(new float[] {1, 0}, new float[] {0, 1}));

        assertThat(centre[0]).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
        assertThat(centre[1]).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
        assertThat(Similarity.dot(centre, centre)).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void dot_ofUnitVectors_isTheirCosine_andRanksTheNearerHigher() {
        float[] text = {1, 0};
        float[] near = Similarity.centroid(List.of(new float[] {0.9f, 0.1f}));
        float[] far = Similarity.centroid(List.of(new float[] {-0.5f, 0.5f}));

        assertThat(Similarity.dot(text, near)).isGreaterThan(Similarity.dot(text, far));
        assertThat(Similarity.dot(text, far)).isCloseTo(-Math.sqrt(0.5), within(1e-6));
    }
}
