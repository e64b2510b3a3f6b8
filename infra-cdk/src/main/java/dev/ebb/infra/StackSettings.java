package dev.ebb.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a deployment chooses, read once from CDK context ({@code cdk synth -c name=value} or {@code cdk.json}). A
 * missing or invalid value fails synth with an {@link IllegalArgumentException} whose message names it.
 *
 * @param region          the AWS region to deploy to ({@value #REGION})
 * @param account         the AWS account, or null for an environment-agnostic template ({@value #ACCOUNT})
 * @param instanceType    the GPU instance type of the workers: a g5 or g6 size ({@value #INSTANCE_TYPE})
 * @param maxWorkers      the most GPU workers (and instances) the scaler may run ({@value #MAX_WORKERS})
 * @param queueDepthAlarm the visible messages in a lane queue above which an alarm fires ({@value #QUEUE_DEPTH_ALARM})
 * @param functionsJar    the functions' shaded Lambda jar ({@value #FUNCTIONS_JAR})
 * @param workerDirectory the folder with the GPU worker's Dockerfile ({@value #WORKER_DIRECTORY})
 * @param warmPool        GPU instances kept stopped and initialised in an Auto Scaling warm pool, so a wake from zero
 *                        skips the instance's launch and first boot; 0 (the default) for none ({@value #WARM_POOL})
 */
public record StackSettings(String region, String account, String instanceType, int maxWorkers, int queueDepthAlarm,
                            Path functionsJar, Path workerDirectory, int warmPool) {
    public static final String REGION = "region";
    public static final String ACCOUNT = "account";
    public static final String INSTANCE_TYPE = "instanceType";
    public static final String MAX_WORKERS = "maxWorkers";
    public static final String QUEUE_DEPTH_ALARM = "queueDepthAlarm";
    public static final String FUNCTIONS_JAR = "functionsJar";
    public static final String WORKER_DIRECTORY = "workerDirectory";
    public static final String WARM_POOL = "warmPool";

    private static final Pattern REGION_SHAPE = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]");
    private static final Pattern ACCOUNT_SHAPE = Pattern.compile("[0-9]{12}");
    /** g5 (A10G), g6 (L4) and g6e (L40S), one to several GPUs; the task asks for one. */
    private static final Pattern GPU_INSTANCE = Pattern.compile("g(5|6|6e)\\.([0-9]+)?xlarge");
    static final int MAX_WORKERS_LIMIT = 100;

    public StackSettings {
        require(REGION, region, REGION_SHAPE.matcher(region == null ? "" : region).matches(),
                "an AWS region such as us-east-1");
        require(ACCOUNT, account, account == null || ACCOUNT_SHAPE.matcher(account).matches(), "12 digits");
        require(INSTANCE_TYPE, instanceType, instanceType != null && GPU_INSTANCE.matcher(instanceType).matches(),
                "a g5, g6 or g6e instance type such as g5.xlarge or g6.xlarge");
        require(MAX_WORKERS, maxWorkers, maxWorkers >= 1 && maxWorkers <= MAX_WORKERS_LIMIT,
                "a whole number from 1 to " + MAX_WORKERS_LIMIT);
        require(QUEUE_DEPTH_ALARM, queueDepthAlarm, queueDepthAlarm >= 1, "a whole number of at least 1");
        require(FUNCTIONS_JAR, functionsJar, functionsJar != null && Files.isRegularFile(functionsJar),
                "the functions' -lambda.jar; build it first: mvn -B package -pl functions -am");
        require(WORKER_DIRECTORY, workerDirectory,
                workerDirectory != null && Files.isRegularFile(workerDirectory.resolve("Dockerfile")),
                "a folder with the GPU worker's Dockerfile (gpu-worker/)");
        require(WARM_POOL, warmPool, warmPool >= 0 && warmPool <= maxWorkers,
                "a whole number from 0 (no warm pool) to maxWorkers (" + maxWorkers + ")");
    }

    /**
     * Reads the settings from a context lookup ({@code name → value or null}); relative paths are resolved against
     * {@code base}, the folder the app runs in (infra-cdk/).
     */
    public static StackSettings fromContext(Function<String, Object> context, Path base) {
        String region = text(context, REGION, null);
        if (region == null) {
            region = System.getenv("CDK_DEFAULT_REGION");
        }
        String account = text(context, ACCOUNT, null);
        String jar = text(context, FUNCTIONS_JAR, null);
        Path functionsJar = jar != null ? base.resolve(jar).normalize() : findLambdaJar(base.resolve("../functions/target"));
        return new StackSettings(
                region,
                account,
                text(context, INSTANCE_TYPE, "g5.xlarge"),
                integer(context, MAX_WORKERS, 2),
                integer(context, QUEUE_DEPTH_ALARM, 1000),
                functionsJar,
                base.resolve(text(context, WORKER_DIRECTORY, "../gpu-worker")).normalize(),
                integer(context, WARM_POOL, 0));
    }

    private static Path findLambdaJar(Path target) {
        if (!Files.isDirectory(target)) {
            return null;
        }
        try (Stream<Path> files = Files.list(target)) {
            List<Path> jars = files.filter(f -> f.getFileName().toString().matches("ebb-functions-.+-lambda\\.jar"))
                    .toList();
            return jars.size() == 1 ? jars.get(0).normalize() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String text(Function<String, Object> context, String name, String fallback) {
        Object value = context.apply(name);
        if (value == null) {
            return fallback;
        }
        String text = value.toString().trim();
        if (text.isEmpty()) {
            throw invalid(name, value, "a value (it is empty)");
        }
        return text;
    }

    private static int integer(Function<String, Object> context, String name, int fallback) {
        String text = text(context, name, null);
        if (text == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw invalid(name, text, "a whole number");
        }
    }

    private static void require(String name, Object value, boolean ok, String expected) {
        if (!ok) {
            throw invalid(name, value, expected);
        }
    }

    private static IllegalArgumentException invalid(String name, Object value, String expected) {
        String shown = value == null ? "missing" : "'" + value + "'";
        return new IllegalArgumentException("context value " + name + " is " + shown + "; expected " + expected
                + " (set it with cdk synth -c " + name + "=... or in cdk.json)");
    }
}
