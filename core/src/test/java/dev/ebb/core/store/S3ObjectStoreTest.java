package dev.ebb.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class S3ObjectStoreTest {
    private final S3ObjectStore store = new S3ObjectStore(LocalS3.S3, LocalS3.BUCKET);

    @Test
    void get_afterAPutOfAMegabyte_returnsTheSameBytes() {
        byte[] bytes = new byte[1024 * 1024];
        Arrays.fill(bytes, (byte) 'x');

        store.put("inputs/t/j_a/h.json", bytes);

        assertThat(store.get("inputs/t/j_a/h.json")).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
    }

    @Test
    void get_whenNoObjectHasTheKey_isEmpty() {
        assertThat(store.get("inputs/t/j_none/h.json")).isEmpty();
    }

    @Test
    void delete_removesTheObject_andDeletingAgainIsNoError() {
        store.put("inputs/t/j_b/h.json", "{}".getBytes(StandardCharsets.UTF_8));

        store.delete("inputs/t/j_b/h.json");
        store.delete("inputs/t/j_b/h.json");

        assertThat(store.get("inputs/t/j_b/h.json")).isEmpty();
    }
}
