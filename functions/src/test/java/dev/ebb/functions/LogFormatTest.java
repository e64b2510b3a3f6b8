package dev.ebb.functions;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * The deployables' log configuration writes one JSON object a line: level, logger, the formatted message, and the
 * request's ids from the MDC (requestId, tenant, jobId) where set — without logback's noise (the context's
 * birthdate and name, an empty mdc, sequence numbers).
 */
class LogFormatTest {

    @ParameterizedTest
    @ValueSource(strings = {"functions/src/main/resources/logback.xml", "gpu-worker/src/main/resources/logback.xml",
            "local/src/main/resources/worker-logback.xml"})
    void aLine_isOneJsonObjectWithTheIdsAndNoNoise(String file) throws Exception {
        List<String> lines = logged(Path.of(file), logger -> {
            MDC.setContextMap(Map.of("requestId", "r-1", "tenant", "acme"));
            try {
                logger.warn("jobId={} left for retry: {}", "j_1", "store_unavailable");
            } finally {
                MDC.clear();
            }
            logger.warn("worker started lane={}", "gpu");
        });

        assertThat(lines).hasSize(2);
        JsonNode withIds = Json.MAPPER.readTree(lines.get(0));
        assertThat(withIds.path("level").asText()).isEqualTo("WARN");
        assertThat(withIds.path("message").asText()).isEqualTo("jobId=j_1 left for retry: store_unavailable");
        assertThat(withIds.path("requestId").asText()).isEqualTo("r-1");
        assertThat(withIds.path("tenant").asText()).isEqualTo("acme");
        assertThat(withIds.path("time").asText()).endsWith("Z");
        for (String line : lines) {
            assertThat(line).doesNotContain("birthdate").doesNotContain("\"context\"").doesNotContain("\"mdc\": {}")
                    .doesNotContain("\"mdc\":{}").doesNotContain("sequenceNumber");
        }
        assertThat(Json.MAPPER.readTree(lines.get(1)).has("requestId")).isFalse();
        assertThat(Json.MAPPER.readTree(lines.get(1)).size()).as("time, level, logger, thread, message").isEqualTo(5);
    }

    private static List<String> logged(Path config, java.util.function.Consumer<Logger> body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(MDC.getMDCAdapter());
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(config.toFile());
            body.accept(context.getLogger("dev.ebb.test"));
        } finally {
            context.stop();
            System.setOut(original);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        return lines;
    }
}
