package dev.ebb.local.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.functions.SubmitJobHandler;
import dev.ebb.local.cli.Progress;
import dev.ebb.local.cli.TempDirs;
import dev.ebb.local.runtime.LocalRuntime;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ebb bench function-cold-start}: the submit function's cold start as Lambda would see it — a fresh JVM on
 * the deployable jar ({@code functions/target/ebb-functions-*-lambda.jar}) with Lambda's Java flags, the handler
 * built by its no-argument constructor from the environment (INIT), then one {@code POST /v1/jobs} event handled
 * (the first invoke) against a throw-away local cloud. Each round is a new JVM. "primed" rounds run
 * {@link SubmitJobHandler#prime()} after INIT and before the timed invoke: what a SnapStart snapshot taken after its
 * {@code beforeCheckpoint} hook would hold (the restore itself, ~100s of ms on AWS, cannot be measured here).
 * Not measured: Lambda's runtime interface client and its polling of the Runtime API.
 */
public final class FunctionColdStartBench {
    static final String MARK = "ebb-function-cold-start ";
    static final String API_KEY = dev.ebb.core.config.Deployment.BENCH_API_KEY.name();
    /** Lambda's managed Java runtimes stop the JIT at C1 by default; one vCPU-ish: the serial collector. */
    static final List<String> LAMBDA_JVM_FLAGS = List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-Xshare:auto");

    private FunctionColdStartBench() {
    }

    public static int run(int rounds, PrintStream out, Progress progress) throws IOException, InterruptedException {
        Path data = Files.createTempDirectory("ebb-function-cold-start-");
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.ephemeral(data))) {
            Map<String, String> env = new HashMap<>(runtime.env());
            env.put("AWS_ACCESS_KEY_ID", "local");
            env.put("AWS_SECRET_ACCESS_KEY", "local");
            // Not AWS_LAMBDA_FUNCTION_NAME: its SDK timeouts are sized for Lambda, not for a shared 2-core machine, where
            // they turn a slow first call into a 503 (the table's status column would show it).
            env.put(API_KEY, runtime.keys().create("bench"));
            String classPath = childClassPath();
            out.printf(Locale.ROOT, "submit function cold start, %d fresh JVMs each way; JVM %s %s; class path: %s%n%n",
                    rounds, Runtime.version(), String.join(" ", LAMBDA_JVM_FLAGS),
                    classPath.contains("-lambda.jar") ? "the deployable Lambda jar" : "this JVM's (no Lambda jar found)");
            out.println("| run | spawn → answer | JVM start → main | INIT (handler built) | priming | first invoke | "
                    + "status |");
            out.println("|---|---:|---:|---:|---:|---:|---:|");
            Map<String, List<double[]>> byMode = new HashMap<>();
            progress.start("JVMs", 2L * rounds);
            int done = 0;
            // Interleaved, so that both kinds see the same machine.
            for (int round = 1; round <= rounds; round++) {
                for (String mode : List.of("plain", "primed")) {
                    double[] row = child(classPath, env, mode);
                    List<double[]> rows = byMode.computeIfAbsent(mode, m -> new ArrayList<>());
                    if (row[5] == 202) { // a refused request did not run the path being measured
                        rows.add(row);
                    }
                    out.printf(Locale.ROOT, "| %s %d | %.0f ms | %.0f ms | %.0f ms | %s | %.0f ms | %.0f |%n", mode,
                            round, row[0], row[1], row[2], mode.equals("primed") ? String.format(Locale.ROOT,
                                    "%.0f ms", row[3]) : "-", row[4], row[5]);
                    progress.stepTo(++done);
                }
            }
            progress.close();
            for (String mode : List.of("plain", "primed")) {
                double[] median = median(byMode.get(mode));
                out.printf(Locale.ROOT, "| **%s, median** | %.0f ms | %.0f ms | %.0f ms | %s | **%.0f ms** | |%n", mode,
                        median[0], median[1], median[2], mode.equals("primed") ? String.format(Locale.ROOT, "%.0f ms",
                                median[3]) : "-", median[4]);
            }
            double[] plain = median(byMode.get("plain"));
            double[] primed = median(byMode.get("primed"));
            out.printf(Locale.ROOT, "%nwithout SnapStart a cold request waits JVM start + INIT + first invoke: %.0f ms "
                    + "(median spawn → answer); with a primed snapshot it waits the restore + %.0f ms%n",
                    plain[0], primed[4]);
            return 0;
        } finally {
            TempDirs.deleteQuietly(data);
        }
    }

    /** spawn → answer, JVM start → main, INIT, priming, first invoke (ms), status. */
    private static double[] child(String classPath, Map<String, String> env, String mode)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(LAMBDA_JVM_FLAGS);
        command.addAll(List.of("-cp", classPath, Child.class.getName(), mode));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        long spawned = System.nanoTime();
        Process process = builder.start();
        double answered = -1;
        JsonNode report = null;
        List<String> other = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith(MARK)) {
                    answered = (System.nanoTime() - spawned) / 1e6;
                    report = Json.readTrusted(line.substring(MARK.length()));
                } else if (other.size() < 20) {
                    other.add(line);
                }
            }
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        if (report == null) {
            throw new IOException("the function's JVM gave no answer (exit " + process.exitValue() + "): "
                    + String.join("\n", other));
        }
        return new double[] {answered, report.path("jvmToMainMs").asDouble(), report.path("initMs").asDouble(),
                report.path("primeMs").asDouble(), report.path("invokeMs").asDouble(), report.path("status").asInt()};
    }

    /** Column medians of the rows that answered 202; NaN where there are none. */
    private static double[] median(List<double[]> rows) {
        double[] median = new double[6];
        if (rows.isEmpty()) {
            java.util.Arrays.fill(median, Double.NaN);
            return median;
        }
        for (int c = 0; c < median.length; c++) {
            int column = c;
            double[] values = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
            median[c] = values[values.length / 2];
        }
        return median;
    }

    /** The deployable Lambda jar and this class, or (no Lambda jar built) this JVM's whole class path. */
    static String childClassPath() {
        String own = System.getProperty("java.class.path");
        try {
            Path handlerCode = Path.of(SubmitJobHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path benchCode = Path.of(FunctionColdStartBench.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI());
            // functions/target/classes (in the reactor) or local/target/lib/ebb-functions-*.jar (the ebb launcher).
            Path dir = handlerCode.getParent();
            for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
                for (Path target : List.of(dir, dir.resolve("functions").resolve("target"))) {
                    Path lambdaJar = lambdaJar(target);
                    if (lambdaJar != null) {
                        return lambdaJar + File.pathSeparator + benchCode;
                    }
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            return own;
        }
        return own;
    }

    private static Path lambdaJar(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "ebb-functions-*-lambda.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** The function's JVM: INIT, optional priming, one invoke; one line on stdout with the timings. */
    public static final class Child {
        private Child() {
        }

        public static void main(String[] args) {
            Instant mainAt = Instant.now();
            Instant jvmStart = ProcessHandle.current().info().startInstant().orElse(mainAt);
            long t0 = System.nanoTime();
            SubmitJobHandler handler = new SubmitJobHandler();
            long t1 = System.nanoTime();
            if (args.length > 0 && args[0].equals("primed")) {
                handler.prime();
            }
            long t2 = System.nanoTime();
            APIGatewayV2HTTPResponse response = handler.handleRequest(APIGatewayV2HTTPEvent.builder()
                    .withVersion("2.0")
                    .withRouteKey("POST /v1/jobs")
                    .withRawPath("/v1/jobs")
                    .withHeaders(Map.of("authorization", "Bearer " + System.getenv(API_KEY),
                            "content-type", "application/json"))
                    .withBody("{\"task\":\"math\",\"input\":{\"text\":\"What is 6 times 7?\"}}")
                    .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("cold-start")
                            .build())
                    .build(), null);
            long t3 = System.nanoTime();
            System.out.println(MARK + Json.write(Json.MAPPER.createObjectNode()
                    .put("jvmToMainMs", Math.max(0, Duration.between(jvmStart, mainAt).toMillis()))
                    .put("initMs", (t1 - t0) / 1e6)
                    .put("primeMs", (t2 - t1) / 1e6)
                    .put("invokeMs", (t3 - t2) / 1e6)
                    .put("status", response.getStatusCode())));
            System.exit(0);
        }
    }
}
