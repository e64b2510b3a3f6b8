package dev.ebb.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/**
 * The app built once per test JVM the way {@code cdk synth} builds it: cdk.json's context, the functions' real
 * -lambda.jar from the reactor build, the real gpu-worker folder, cdk-nag attached. Synthesis takes seconds, so the
 * test classes share it.
 */
final class Synthesized {
    static final Path ROOT = Path.of(System.getProperty("ebb.repositoryRoot", "..")).toAbsolutePath().normalize();
    static final Path CDK_JSON = ROOT.resolve("infra-cdk/cdk.json");

    static final Map<String, Object> CONTEXT = context();
    static final StackSettings SETTINGS = StackSettings.fromContext(CONTEXT::get, ROOT.resolve("infra-cdk"));
    static final App APP = App.Builder.create().context(CONTEXT).build();
    static final EbbStack STACK = EbbApp.build(APP, SETTINGS);
    static final Template TEMPLATE = Template.fromStack(STACK);

    private Synthesized() {
    }

    /** cdk.json's context, with the Lambda jar the surefire configuration names. */
    private static Map<String, Object> context() {
        try {
            JsonNode json = new ObjectMapper().readTree(Files.readString(CDK_JSON));
            Map<String, Object> context = new HashMap<>();
            json.path("context").fields().forEachRemaining(e -> {
                JsonNode value = e.getValue();
                context.put(e.getKey(), value.isBoolean() ? (Object) value.booleanValue()
                        : value.isNumber() ? (Object) value.numberValue() : value.asText());
            });
            String jar = System.getProperty("ebb.functionsJar");
            if (jar != null) {
                context.put(StackSettings.FUNCTIONS_JAR, jar);
            }
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
