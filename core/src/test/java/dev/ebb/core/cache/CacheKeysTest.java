package dev.ebb.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.Json;
import dev.ebb.core.task.embed.EmbedSettings;
import dev.ebb.core.task.embed.EmbedSpec;
import org.junit.jupiter.api.Test;

class CacheKeysTest {
    private final CacheKeys keys = new CacheKeys(false);
    private final EmbedSpec embed = new EmbedSpec(EmbedSettings.DEFAULTS);

    private String key(String input) throws Exception {
        return keys.keyOf("alice", embed, null, embed.validate(Json.MAPPER.readTree(input))).orElseThrow();
    }

    @Test
    void embedsEncoding_isPartOfTheKey_andNamingTheDefaultIsTheDefault() throws Exception {
        String plain = key("\"hello\"");

        assertThat(key("{\"text\":\"hello\",\"encoding\":\"base64\"}")).isNotEqualTo(plain);
        assertThat(key("{\"text\":\"hello\",\"encoding\":\"float\"}")).isEqualTo(plain);
        assertThat(key("{\"text\":\"hello\"}")).isEqualTo(plain);
    }
}
