package dev.ebb.core.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UploadKeyTest {

    @Test
    void parse_readsTenantTaskAndTheRestOfTheKeyAsName() {
        UploadKey key = UploadKey.parse("uploads/acme/math/2026/12/q1.txt");

        assertThat(key).isEqualTo(new UploadKey("acme", "math", "2026/12/q1.txt"));
        assertThat(key.key()).isEqualTo("uploads/acme/math/2026/12/q1.txt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"uploads/acme/math/", "uploads/acme/math", "inputs/acme/math/x", "uploads/acme", ""})
    void parse_whenNotOfTheGrammar_refusesWithInvalidKey(String key) {
        assertThatThrownBy(() -> UploadKey.parse(key))
                .isInstanceOfSatisfying(UploadKey.InvalidKeyException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_key"))
                .hasMessageContaining("uploads/<tenant>/<task>/<name>");
    }

    @Test
    void parse_whenTenantCannotExist_refusesWithInvalidTenant() {
        assertThatThrownBy(() -> UploadKey.parse("uploads/NOT A TENANT/math/x.txt"))
                .isInstanceOfSatisfying(UploadKey.InvalidKeyException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_tenant"));
    }

    @Test
    void idempotencyKey_dependsOnVersionWhenThereIsOneElseOnETag_andFitsTheApisKeyShape() {
        String withVersion = UploadKey.idempotencyKey("b", "k", "v1", "e1");
        String otherETagSameVersion = UploadKey.idempotencyKey("b", "k", "v1", "e2");
        String unversioned = UploadKey.idempotencyKey("b", "k", null, "\"e1\"");
        String quotedOrNot = UploadKey.idempotencyKey("b", "k", "", "e1");
        String otherBucket = UploadKey.idempotencyKey("other", "k", null, "e1");

        assertThat(withVersion).isEqualTo(otherETagSameVersion).isNotEqualTo(unversioned);
        assertThat(unversioned).isEqualTo(quotedOrNot).isNotEqualTo(otherBucket);
        assertThat(withVersion).matches("[A-Za-z0-9._:-]{1,255}");
    }

    @Test
    void sniff_textIsWrapped_objectIsTakenAsItIs() {
        assertThat(UploadContent.sniff(bytes("What is 2 plus 2?")))
                .isEqualTo(new UploadContent.Sniffed.Input(
                        dev.ebb.core.Json.MAPPER.createObjectNode().put("text", "What is 2 plus 2?")));
        assertThat(UploadContent.sniff(bytes("  {\"texts\":[\"a\",\"b\"]}")))
                .isInstanceOfSatisfying(UploadContent.Sniffed.Input.class,
                        in -> assertThat(in.input().path("texts").size()).isEqualTo(2));
    }

    @Test
    void sniff_whenNotUtf8OrABrokenObject_refusesWithItsCode() {
        assertThat(UploadContent.sniff(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00}))
                .isInstanceOfSatisfying(UploadContent.Sniffed.Refused.class,
                        r -> assertThat(r.code()).isEqualTo("invalid_encoding"));
        assertThat(UploadContent.sniff(bytes("{\"text\": ")))
                .isInstanceOfSatisfying(UploadContent.Sniffed.Refused.class,
                        r -> assertThat(r.code()).isEqualTo("invalid_json"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
