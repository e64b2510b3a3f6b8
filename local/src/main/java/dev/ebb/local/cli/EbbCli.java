package dev.ebb.local.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.task.embed.EmbeddingModels;
import dev.ebb.core.api.QueuedJobSweep;
import dev.ebb.core.auth.ApiKeys;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.tenant.DynamoDbTenantStore;
import dev.ebb.core.tenant.TenantPolicy;
import dev.ebb.core.tenant.TenantStore;
import dev.ebb.core.auth.DynamoDbApiKeyStore;
import dev.ebb.core.config.SettingsException;
import dev.ebb.core.scale.ScalingSettings;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.Lane;
import dev.ebb.core.task.embed.VectorEncoding;
import dev.ebb.local.bench.Bench;
import dev.ebb.local.bench.CacheBench;
import dev.ebb.local.bench.ColdStartBench;
import dev.ebb.local.bench.EmbedBench;
import dev.ebb.local.bench.FunctionColdStartBench;
import dev.ebb.local.cloud.LocalCloud;
import dev.ebb.local.cloud.ResourceSpec;
import dev.ebb.local.fault.FaultSuite;
import dev.ebb.local.runtime.LocalClients;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.runtime.LocalScalers;
import dev.ebb.local.runtime.WorkerRange;
import dev.ebb.local.simulate.Simulate;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The whole {@code ebb} command: the local cloud ({@code up}, {@code demo}, {@code keys}, {@code redrive}), its
 * benchmarks and fault suite, the scaling simulator, and the client commands of {@link ClientCli}. Argument parsing
 * only: each command hands typed options to the class that does the work ({@link Demo}, {@link Bench},
 * {@link FaultSuite}, {@link Simulate}, {@link Redrive}, ...).
 */
public final class EbbCli {
    static final Path DEFAULT_DATA = ClientCli.DEFAULT_DATA;

    private EbbCli() {
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs one command line, printing to {@code out} and {@code err}; its exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(argv);
    }

    /** Every command, in the order {@code ebb --help} lists them. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine root = new CommandLine(new ClientCli.Root());
        root.addSubcommand(printingTo(out, new Up()));
        root.addSubcommand(printingTo(out, new DemoCommand()));
        root.addSubcommand(new CommandLine(new Keys()).addSubcommand(printingTo(out, new KeysCreate()))
                .addSubcommand(printingTo(out, new KeysUpdate())));
        ClientCli.addClientCommands(root);
        root.addSubcommand(new CommandLine(printingTo(out, new BenchCommand()))
                .addSubcommand(printingTo(out, new BenchEmbed()))
                .addSubcommand(printingTo(out, new BenchColdStart()))
                .addSubcommand(printingTo(out, new BenchCache()))
                .addSubcommand(printingTo(out, new BenchFunctionColdStart())));
        root.addSubcommand(printingTo(out, new SimulateCommand()));
        root.addSubcommand(printingTo(out, new SimilarityCommand()));
        root.addSubcommand(printingTo(out, new RedriveCommand()));
        root.addSubcommand(printingTo(out, new FaultCommand()));
        root.addSubcommand(new CommandLine.HelpCommand());
        return ClientCli.configure(root, out, err, false);
    }

    private static <T extends LocalCommand> T printingTo(PrintStream out, T command) {
        command.out = out;
        return command;
    }

    /** What every local command has: its picocli spec, for the output streams. */
    abstract static class LocalCommand implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ClientCli.HelpOption help;

        @Spec
        CommandSpec spec;

        /** Where the work classes print (they take a {@link PrintStream}); the same stream picocli writes to. */
        PrintStream out;

        PrintStream out() {
            return out;
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }
    }

    @Command(name = "up", description = {
            "Start the local cloud on 127.0.0.1.",
            "The API (:8080), SQS (:9324), DynamoDB (:8000), S3 (:4566), the scaler and the gpu lane's worker processes.",
            "Ctrl-C stops it; state stays in --data."})
    static final class Up extends LocalCommand {
        @Option(names = "--data", paramLabel = "DIR", description = "state folder (default: .ebb)")
        Path data = DEFAULT_DATA;

        @Option(names = "--workers", paramLabel = "[MIN..]MAX",
                description = "gpu worker processes, scaled MIN..MAX (default 0..4)")
        String workers;

        @Option(names = "--ports", paramLabel = "standard|any", defaultValue = "standard",
                description = "any: free ports for the servers (default: ${DEFAULT-VALUE})")
        String ports;

        @Option(names = "--port", paramLabel = "N", description = "the API's port")
        Integer port;

        @Override
        public Integer call() throws IOException, InterruptedException {
            ScalingSettings scaling;
            try {
                scaling = WorkerRange.apply(workers, ScalingSettings.fromEnv(System.getenv(), LocalScalers.LOCAL_DEFAULTS));
            } catch (SettingsException e) {
                throw new UsageException(e.getMessage());
            }
            LocalRuntime.Options options = switch (ports) {
                case "standard" -> LocalRuntime.Options.standard(data);
                case "any" -> LocalRuntime.Options.ephemeral(data);
                default -> throw new UsageException("--ports must be standard or any");
            };
            int apiPort = port == null ? options.httpPort() : port;
            if (apiPort < 0 || apiPort > 65_535) {
                throw new UsageException("--port must be 0..65535");
            }
            options = new LocalRuntime.Options(options.dataDir(), options.host(), apiPort, options.sqsPort(),
                    options.dynamoDbPort(), options.gpuWorkers(), options.cpuConcurrency(), options.workerEnv());
            LocalRuntime runtime = LocalRuntime.startScaled(options, scaling);
            Path keyFile = data.resolve("api-key");
            if (!Files.exists(keyFile) || runtime.keys().tenantOf(Files.readString(keyFile).strip()).isEmpty()) {
                writeSecret(keyFile, runtime.keys().create("default"));
            } else {
                // A key file from an older version may be readable by others: the owner's only, as a new one is.
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
                // Its tenant may predate the tenant marker that uploads are checked against.
                runtime.keys().tenantOf(Files.readString(keyFile).strip()).ifPresent(runtime.keys()::registerTenant);
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                runtime.close();
                stopped.countDown();
            }));
            PrintStream out = out();
            out.printf("""
                    ebb is up
                      API       %s   (an API key for tenant 'default' is in %s)
                      Dashboard %s   (give it the key: paste it, or open %s#key=$(cat %s))
                      SQS       %s
                      DynamoDB  %s
                      S3        %s   (bucket ebb-data; objects under uploads/<tenant>/<task>/ become jobs)
                      gpu lane  %d..%d worker processes, started on the first job, stopped %d s after the last
                      Bedrock   %s   (a local stand-in: deterministic replies, not a model)
                      chat      ebb chat my-session "Hello, my name is Ada."  then  ebb chat my-session "What is my name?"
                    Ctrl-C stops it; state stays in %s
                    """, runtime.apiEndpoint(), keyFile, runtime.dashboardUrl(), runtime.dashboardUrl(), keyFile,
                    runtime.cloud().sqsEndpoint(), runtime.cloud().dynamoDbEndpoint(), runtime.cloud().s3Endpoint(),
                    scaling.minWorkers(), scaling.maxWorkers(), scaling.coolDown().toSeconds(),
                    runtime.cloud().bedrock().endpoint(), data);
            stopped.await();
            return ExitCodes.OK;
        }

        private static void writeSecret(Path file, String secret) throws IOException {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, secret + "\n");
        }
    }

    @Command(name = "demo", description = {
            "Run a job of every task kind on a throw-away local cloud.",
            "math on the cpu lane; embed and classify on the gpu lane, whose worker wakes from zero; each job's wait, run time and cost."})
    static final class DemoCommand extends LocalCommand {
        @Override
        public Integer call() throws IOException, InterruptedException {
            return Demo.run(out());
        }
    }

    @Command(name = "keys", description = "API keys of the local cloud.",
            synopsisSubcommandLabel = "COMMAND")
    static final class Keys implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ClientCli.HelpOption help;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("ebb keys: which? (create, update)");
            spec.commandLine().usage(spec.commandLine().getErr());
            return ExitCodes.USAGE;
        }
    }

    /** What {@code keys create} and {@code keys update} share: the tenant, its limits, the state folder. */
    abstract static class KeysAction extends LocalCommand {
        @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "the tenant")
        String tenant;

        @Option(names = "--rate", paramLabel = "R|none", description = "the tenant's rate limit, requests a second")
        String rate;

        @Option(names = "--burst", paramLabel = "N|none", description = "the requests it may make at once")
        String burst;

        @Option(names = "--budget", paramLabel = "B|none", description = "its budget, in cost units")
        String budget;

        @Option(names = "--disabled", paramLabel = "true|false", description = "the tenant's kill switch")
        String disabled;

        @Option(names = "--data", paramLabel = "DIR", description = "state folder (default: .ebb)")
        Path data = DEFAULT_DATA;

        abstract boolean create();

        @Override
        public Integer call() throws IOException {
            String action = create() ? "create" : "update";
            if (!ApiKeys.isValidTenant(tenant)) {
                throw new UsageException("tenant '" + tenant + "' is not valid: " + ApiKeys.describeTenantRule());
            }
            TenantLimits limits = new TenantLimits(rate, burst, budget, disabled);
            if (!create() && !limits.changesAnything() && !cancelQueued()) {
                throw new UsageException("keys update: give at least one of --rate, --burst, --budget, --disabled, "
                        + "--cancel-queued");
            }
            try {
                limits.applyTo(TenantPolicy.NONE); // nonsense is refused before anything is written
            } catch (IllegalArgumentException e) {
                if (create()) {
                    throw new UsageException(e.getMessage());
                }
            }
            LocalClients.useLocalCredentials();
            // Prefer the running local cloud; one server per database file.
            try (DynamoDbClient running = DynamoDbClient.builder().region(LocalClients.REGION)
                    .endpointOverride(URI.create("http://127.0.0.1:8000"))
                    .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                    .build()) {
                if (listens(running)) {
                    return apply(action, limits, running, Redrive::runningEnvironment);
                }
            }
            // Nothing listens: open the state directly.
            try (LocalCloud cloud = new LocalCloud(LocalCloud.Config.builder().dataDir(data)
                    .sqsPort(0).dynamoDbPort(0).build()).start()) {
                var resources = cloud.provision(ResourceSpec.defaults());
                return apply(action, limits, cloud.dynamoDbClient(), () -> LocalRuntime.environment(cloud, resources));
            }
        }

        private static boolean listens(DynamoDbClient dynamoDb) {
            try {
                dynamoDb.listTables(r -> r.limit(1));
                return true;
            } catch (SdkClientException notRunning) {
                return false;
            }
        }

        /** Whether to cancel the tenant's QUEUED jobs after switching it off ({@code keys update} only). */
        boolean cancelQueued() {
            return false;
        }

        private int apply(String action, TenantLimits limits, DynamoDbClient dynamoDb,
                          java.util.function.Supplier<Map<String, String>> functionsEnv) {
            DynamoDbApiKeyStore keys = new DynamoDbApiKeyStore(dynamoDb, Deployment.KEYS.defaultName(),
                    Clock.systemUTC());
            TenantStore tenants = new DynamoDbTenantStore(dynamoDb, Deployment.TENANTS.defaultName());
            if (!create() && !keys.tenantExists(tenant)) {
                throw new UsageException("keys update: no tenant '" + tenant + "' (create a key for it first)");
            }
            if (cancelQueued() && !limits.applyTo(tenants.state(tenant).policy()).disabled()) {
                throw new UsageException("keys update: --cancel-queued cancels the queued jobs of a tenant switched "
                        + "off; add --disabled true (nothing was changed)");
            }
            try {
                ObjectNode shown = !create() || limits.changesAnything() ? limits.applyAndShow(tenants, tenant) : null;
                if (cancelQueued()) {
                    QueuedJobSweep.Swept swept = TenantLimits.cancelQueued(functionsEnv.get(), tenant);
                    shown.putObject("queuedJobs").put("cancelled", swept.cancelled()).put("moved", swept.moved());
                }
                if (create()) {
                    out().println(keys.create(tenant));
                }
                if (shown != null) {
                    if (create()) {
                        err().println(Json.write(shown));
                        err().flush();
                    } else {
                        out().println(Json.write(shown));
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "create", description = {
            "Create an API key for a tenant and print it; with limits, set them (printed on stderr).",
            "Only its hash is stored. Uses the running local cloud, or the state in --data when none runs."})
    static final class KeysCreate extends KeysAction {
        @Override
        boolean create() {
            return true;
        }
    }

    @Command(name = "update", description = {
            "Change a tenant's rate limit (requests/s), burst, budget (cost units) or kill switch; prints its limits.",
            "none removes a limit; nonsense is refused and nothing written. Uses the running local cloud, or the state in --data.",
            "A tenant switched off keeps its QUEUED jobs (each fails tenant_disabled when a worker claims it) unless --cancel-queued cancels them."})
    static final class KeysUpdate extends KeysAction {
        @Option(names = "--cancel-queued", description = "with the tenant switched off (--disabled true, now or "
                + "before): cancel its QUEUED jobs as DELETE /v1/jobs/{id} would, releasing their reservations; "
                + "prints how many (queuedJobs)")
        boolean cancelQueued;

        @Override
        boolean create() {
            return false;
        }

        @Override
        boolean cancelQueued() {
            return cancelQueued;
        }
    }

    @Command(name = "bench", description = {
            "Benchmarks: the pipeline against its floor, or a subcommand.",
            "With no subcommand: the pipeline end to end (HTTP submit → DynamoDB → SQS → cpu lane → DynamoDB) against the same SQS and DynamoDB calls made directly, side by side on a throw-away local cloud."}, synopsisSubcommandLabel = "[COMMAND]")
    static final class BenchCommand extends LocalCommand {
        @Option(names = "--jobs", paramLabel = "N", defaultValue = "10000", description = "jobs a round (default: ${DEFAULT-VALUE})")
        int jobs;

        @Option(names = "--clients", paramLabel = "N", defaultValue = "16", description = "client threads (default: ${DEFAULT-VALUE})")
        int clients;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "rounds (default: ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "8000",
                description = "warm-up jobs, unmeasured (default: ${DEFAULT-VALUE}; the JIT needs 30-60 s on 2 cores)")
        int warmup;

        @Override
        public Integer call() throws IOException, InterruptedException {
            atLeast(1, "--jobs", jobs, "--clients", clients, "--rounds", rounds);
            atLeast(0, "--warmup", warmup);
            try (Progress progress = Progress.onStderr()) {
                return Bench.run(new Bench.Options(jobs, clients, rounds, warmup), out(), progress);
            }
        }
    }

    @Command(name = "embed", description = {
            "The embedding model alone against the whole pipeline, at batch 1, 8 and 32.",
            "Pins the model to one CPU and the local cloud to another where taskset allows."})
    static final class BenchEmbed extends LocalCommand {
        @Option(names = "--models", paramLabel = "M,M", split = ",", description = "models (default: all)")
        List<String> models;

        @Option(names = "--texts", paramLabel = "N", defaultValue = "1500", description = "sentences a run (default: ${DEFAULT-VALUE})")
        int texts;

        @Option(names = "--texts-per-job", paramLabel = "N,N", split = ",", defaultValue = "1,8",
                description = "texts in one job (default: ${DEFAULT-VALUE})")
        List<Integer> textsPerJob;

        @Option(names = "--clients", paramLabel = "N", defaultValue = "16", description = "client threads (default: ${DEFAULT-VALUE})")
        int clients;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "1000", description = "warm-up sentences (default: ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--runners", paramLabel = "N", description = "the worker's runner threads (EBB_RUNNERS)")
        Integer runners;

        @Option(names = "--encoding", paramLabel = "E,E", split = ",", defaultValue = "float,base64",
                description = "result encodings measured side by side: float, base64 (default: ${DEFAULT-VALUE})")
        List<String> encodings;

        @Override
        public Integer call() throws IOException, InterruptedException {
            atLeast(1, "--texts", texts, "--clients", clients);
            atLeast(0, "--warmup", warmup);
            for (int n : textsPerJob) {
                atLeast(1, "--texts-per-job", n);
            }
            List<VectorEncoding> parsed = new ArrayList<>();
            for (String encoding : encodings) {
                try {
                    parsed.add(VectorEncoding.parse(encoding.strip()));
                } catch (InvalidInputException e) {
                    throw new UsageException("--encoding: " + e.getMessage());
                }
            }
            try (Progress progress = Progress.onStderr()) {
                return EmbedBench.run(new EmbedBench.Options(models, texts, textsPerJob, List.copyOf(parsed), clients,
                        warmup, runners), out(), progress);
            }
        }
    }

    @Command(name = "cold-start", description = {
            "Submit → result from zero gpu workers, split by phase.",
            "Scaler reaction, JVM start, clients, model load, the job."})
    static final class BenchColdStart extends LocalCommand {
        @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", description = "rounds (default: ${DEFAULT-VALUE})")
        int rounds;

        @Override
        public Integer call() throws IOException, InterruptedException {
            atLeast(1, "--rounds", rounds);
            try (Progress progress = Progress.onStderr()) {
                return ColdStartBench.run(rounds, out(), progress);
            }
        }
    }

    @Command(name = "cache", description = {
            "A Zipf workload of embed/classify, cache off then on.",
            "Hit rate, hit latency through the API, worker time saved, on a throw-away local cloud."})
    static final class BenchCache extends LocalCommand {
        @Option(names = "--distinct", paramLabel = "N", defaultValue = "200", description = "distinct inputs (default: ${DEFAULT-VALUE})")
        int distinct;

        @Option(names = "--requests", paramLabel = "N", defaultValue = "2000", description = "requests (default: ${DEFAULT-VALUE})")
        int requests;

        @Option(names = "--skew", paramLabel = "S", defaultValue = "1.1", description = "the Zipf exponent (default: ${DEFAULT-VALUE})")
        double skew;

        @Option(names = "--clients", paramLabel = "N", defaultValue = "4", description = "client threads (default: ${DEFAULT-VALUE})")
        int clients;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "14", description = "random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws IOException, InterruptedException {
            atLeast(1, "--distinct", distinct, "--requests", requests, "--clients", clients);
            return CacheBench.run(new CacheBench.Config(distinct, requests, skew, clients, seed), out());
        }
    }

    @Command(name = "function-cold-start", description = {
            "The submit function's cold start, without and with SnapStart's priming.",
            "A fresh JVM to the first answered POST /v1/jobs (Lambda's INIT and first invoke), against a throw-away local cloud."})
    static final class BenchFunctionColdStart extends LocalCommand {
        @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", description = "fresh JVMs of each kind (default: ${DEFAULT-VALUE})")
        int rounds;

        @Override
        public Integer call() throws IOException, InterruptedException {
            atLeast(1, "--rounds", rounds);
            try (Progress progress = Progress.onStderr()) {
                return FunctionColdStartBench.run(rounds, out(), progress);
            }
        }
    }

    @Command(name = "similarity", description = {
            "How alike texts are to a reference on the workers' embedding models: the cosine the semantic cache "
                    + "compares with EBB_SEMANTIC_THRESHOLD.",
            "Runs the models in this process; starts nothing else."})
    static final class SimilarityCommand extends LocalCommand {
        @Option(names = "--models", paramLabel = "M,M", split = ",", description = "models (default: all)")
        List<String> models;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "REFERENCE", description = "the text compared with")
        String reference;

        @picocli.CommandLine.Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT",
                description = "texts to compare with the reference")
        List<String> texts;

        @Override
        public Integer call() {
            List<String> chosen = models == null ? EmbeddingModels.NAMES : models;
            for (String model : chosen) {
                if (!EmbeddingModels.isKnown(model)) {
                    throw new UsageException("unknown model " + model + "; known: " + EmbeddingModels.NAMES);
                }
            }
            return Similarity.run(chosen, reference, texts, System.getenv(), out());
        }
    }

    @Command(name = "simulate", description = {
            "Cost and waits of the scaling policy on traffic traces.",
            "Against always-on capacity and the step rule, on built-in traces or a CSV of arrivals; writes a chart."})
    static final class SimulateCommand extends LocalCommand {
        @Option(names = "--trace", paramLabel = "NAMES|FILE.csv", description = "traces, comma-separated (default: every built-in one)")
        String trace;
        @Option(names = "--service-ms", paramLabel = "MS", description = "a worker's time a job (default 200)")
        String serviceMs;
        @Option(names = "--startup-s", paramLabel = "S", description = "a worker's start-up")
        String startupS;
        @Option(names = "--price", paramLabel = "USD", description = "per worker-hour (default 1.006)")
        String price;
        @Option(names = "--interval-s", paramLabel = "S", description = "the scaler's period")
        String intervalS;
        @Option(names = "--wait-s", paramLabel = "S", description = "the acceptable wait")
        String waitS;
        @Option(names = "--cool-down-s", paramLabel = "S", description = "idle time before scale-in")
        String coolDownS;
        @Option(names = "--jobs-per-second", paramLabel = "N", description = "a worker's throughput, as the policy knows it")
        String jobsPerSecond;
        @Option(names = "--min", paramLabel = "N", description = "fewest workers")
        String min;
        @Option(names = "--max", paramLabel = "N", description = "most workers (default 50)")
        String max;
        @Option(names = "--seed", paramLabel = "N", description = "random seed (default 1)")
        String seed;
        @Option(names = "--chart", paramLabel = "FILE.svg", description = "where the chart goes (default ebb-simulation.svg)")
        String chart;

        @Override
        public Integer call() throws IOException {
            Map<String, String> options = new LinkedHashMap<>();
            String[][] given = {{"trace", trace}, {"service-ms", serviceMs}, {"startup-s", startupS}, {"price", price},
                    {"interval-s", intervalS}, {"wait-s", waitS}, {"cool-down-s", coolDownS},
                    {"jobs-per-second", jobsPerSecond}, {"min", min}, {"max", max}, {"seed", seed}, {"chart", chart}};
            for (String[] option : given) {
                if (option[1] != null) {
                    options.put(option[0], option[1]);
                }
            }
            try (Progress progress = Progress.onStderr()) {
                return Simulate.run(options, System.getenv(), out(), progress);
            } catch (Simulate.SimulateException e) {
                throw new UsageException(e.getMessage());
            }
        }
    }

    @Command(name = "redrive", description = {
            "Queue dead-lettered jobs again, once their cause is fixed.",
            "Uses the running local cloud, or the state in --data when none runs."})
    static final class RedriveCommand extends LocalCommand {
        @Option(names = "--lane", paramLabel = "gpu|cpu|llm", description = "one lane (default: all)")
        String lane;

        @Option(names = "--max", paramLabel = "N", defaultValue = "1000",
                description = "at most N jobs a lane, 1..100000 (default: ${DEFAULT-VALUE})")
        int max;

        @Option(names = "--data", paramLabel = "DIR", description = "state folder (default: .ebb)")
        Path data = DEFAULT_DATA;

        @Override
        public Integer call() {
            List<Lane> lanes;
            try {
                lanes = lane == null ? List.of(Lane.values()) : List.of(Lane.fromId(lane));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--lane must be gpu, cpu or llm");
            }
            if (max < 1 || max > 100_000) {
                throw new UsageException("--max must be from 1 to 100000");
            }
            return Redrive.run(lanes, max, data, out());
        }
    }

    @Command(name = "fault", description = {
            "Fault test on a throw-away local cloud.",
            "Prints lost, unexpected and duplicate results and executions (docs/reliability.md); exit status 1 when a result was lost or duplicated."})
    static final class FaultCommand extends LocalCommand {
        @Option(names = "--scenario", required = true, paramLabel = "kill|restart|poison|crash",
                description = "what goes wrong")
        String scenario;

        @Option(names = "--jobs", paramLabel = "N", defaultValue = "2000", description = "jobs (a round) (default: ${DEFAULT-VALUE})")
        int jobs;

        @Option(names = "--kill-every", paramLabel = "DURATION", defaultValue = "2s",
                description = "a worker SIGKILLed this often: 2s, 500ms (default: ${DEFAULT-VALUE})")
        String killEvery;

        @Option(names = "--workers", paramLabel = "N", defaultValue = "6", description = "worker processes (default: ${DEFAULT-VALUE})")
        int workers;

        @Option(names = "--clients", paramLabel = "N", defaultValue = "16", description = "client threads (default: ${DEFAULT-VALUE})")
        int clients;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "crash: rounds (default: ${DEFAULT-VALUE})")
        int rounds;

        @Override
        public Integer call() throws Exception {
            FaultSuite.Scenario chosen;
            try {
                chosen = FaultSuite.Scenario.valueOf(scenario.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--scenario must be kill, restart, poison or crash");
            }
            atLeast(1, "--jobs", jobs, "--workers", workers, "--clients", clients, "--rounds", rounds);
            PrintStream out = out();
            FaultSuite.Report report;
            try (Progress progress = Progress.onStderr()) {
                report = FaultSuite.run(new FaultSuite.Options(chosen, jobs, duration(killEvery), workers, clients,
                        rounds), out, progress);
            }
            report.print(out);
            return report.passed() ? ExitCodes.OK : ExitCodes.FAILED;
        }

        /** {@code 2s}, {@code 500ms} or a bare number of seconds. */
        static Duration duration(String text) {
            try {
                if (text.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
                }
                return Duration.ofMillis(Math.round(Double.parseDouble(text.endsWith("s")
                        ? text.substring(0, text.length() - 1) : text) * 1000));
            } catch (NumberFormatException e) {
                throw new UsageException("--kill-every must look like 2s or 500ms, not '" + text + "'");
            }
        }
    }

    /** {@code name, value, name, value, ...}: each value at least {@code min}, else a usage error naming it. */
    static void atLeast(int min, Object... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if ((Integer) namesAndValues[i + 1] < min) {
                throw new UsageException(namesAndValues[i] + " must be at least " + min + ", not " + namesAndValues[i + 1]);
            }
        }
    }
}
