package dev.ebb.local.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.task.embed.VectorEncoding;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbedBenchTest {

    @Test
    void input_namesTheEncodingOnlyWhenItIsNotTheDefault() {
        assertThat(EmbedBench.input(List.of("a"), 1, VectorEncoding.FLOAT).toString()).isEqualTo("\"a\"");
        assertThat(EmbedBench.input(List.of("a", "b"), 2, VectorEncoding.FLOAT).toString())
                .isEqualTo("{\"texts\":[\"a\",\"b\"]}");
        assertThat(EmbedBench.input(List.of("a"), 1, VectorEncoding.BASE64).toString())
                .isEqualTo("{\"text\":\"a\",\"encoding\":\"base64\"}");
    }
}
