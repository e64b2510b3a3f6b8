package dev.ebb.core.task.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebb.core.task.InvalidInputException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorEncodingTest {

    @Test
    void toBase64_writesLittleEndianFloat32Bytes() {
        // 1.0f is 0x3F800000: little-endian 00 00 80 3F; -2.0f is 0xC0000000: 00 00 00 C0.
        assertThat(VectorEncoding.toBase64(new float[] {1.0f})).isEqualTo("AACAPw==");
        assertThat(VectorEncoding.toBase64(new float[] {1.0f, -2.0f})).isEqualTo("AACAPwAAAMA=");
    }

    @Test
    void roundTrip_givesTheSameFloatsBitForBit_specialValuesIncluded() {
        Random random = new Random(17);
        float[] vector = new float[384];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) random.nextGaussian() / 20;
        }
        vector[0] = -0.0f;
        vector[1] = Float.MIN_VALUE;
        vector[2] = Float.MAX_VALUE;
        vector[3] = Float.NEGATIVE_INFINITY;
        vector[4] = Float.intBitsToFloat(0x7fc00123); // a NaN with a payload

        float[] back = VectorEncoding.fromBase64(VectorEncoding.toBase64(vector));

        assertThat(back).hasSize(384);
        for (int i = 0; i < vector.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).as("component %d", i)
                    .isEqualTo(Float.floatToRawIntBits(vector[i]));
        }
    }

    @Test
    void base64OfA384DimensionVector_isAboutAThirdOfItsJsonArray() {
        float[] vector = new float[384];
        Random random = new Random(3);
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) random.nextGaussian() / 20;
            json.append(i == 0 ? "" : ",").append(vector[i]);
        }
        String base64 = VectorEncoding.toBase64(vector);

        assertThat(base64).hasSize(2048); // 1,536 bytes, 4 characters per 3
        assertThat(base64.length()).isLessThan(json.length() / 2);
    }

    @Test
    void fromBase64_refusesBytesThatAreNotWholeFloats() {
        assertThatThrownBy(() -> VectorEncoding.fromBase64("AACA")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parse_acceptsTheTwoNames_andRefusesOthersNamingTheAllowedValues() throws Exception {
        assertThat(VectorEncoding.parse("float")).isEqualTo(VectorEncoding.FLOAT);
        assertThat(VectorEncoding.parse("base64")).isEqualTo(VectorEncoding.BASE64);

        assertThatThrownBy(() -> VectorEncoding.parse("BASE64"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.code()).isEqualTo("unknown_encoding");
                    assertThat(e.getMessage()).contains("float, base64").contains("'BASE64'");
                });
    }
}
