package dev.ebb.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app ({@code cdk.json} runs it): reads the settings from context, builds {@link EbbStack}, and checks it
 * with cdk-nag's AwsSolutions pack, whose errors fail synth. A bad context value ends synth with one line naming it.
 */
public final class EbbApp {
    public static final String STACK_NAME = "Ebb";

    private EbbApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        StackSettings settings;
        try {
            settings = StackSettings.fromContext(name -> app.getNode().tryGetContext(name), Path.of("").toAbsolutePath());
        } catch (IllegalArgumentException e) {
            System.err.println("ebb: " + e.getMessage());
            System.exit(1);
            return;
        }
        build(app, settings);
        app.synth();
    }

    /** The stack in {@code app}, with cdk-nag attached and Ebb's reasoned suppressions applied. */
    public static EbbStack build(App app, StackSettings settings) {
        Environment.Builder environment = Environment.builder().region(settings.region());
        if (settings.account() != null) {
            environment.account(settings.account());
        }
        EbbStack stack = new EbbStack(app, STACK_NAME, StackProps.builder()
                .env(environment.build())
                .description("Ebb: AI inference behind a queue (API, lanes, GPU workers that scale to zero)")
                .build(), settings);
        NagSuppressionsForEbb.apply(stack);
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        return stack;
    }
}
