package dev.ebb.local.cli;

import dev.ebb.local.runtime.LocalClients;
import dev.ebb.local.runtime.LocalRuntime;
import dev.ebb.local.runtime.LocalScalers;
import dev.ebb.local.runtime.WorkerRange;
import dev.ebb.local.bench.Bench;
import dev.ebb.local.bench.ColdStartBench;
import dev.ebb.local.bench.EmbedBench;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.auth.ApiKeys;
import dev.ebb.core.tenant.TenantStore;
import dev.ebb.core.tenant.DynamoDbTenantStore;
import dev.ebb.core.config.Deployment;
import dev.ebb.core.auth.DynamoDbApiKeyStore;
import dev.ebb.local.cloud.LocalCloud;
import dev.ebb.local.cloud.ResourceSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The {@code ebb} command: the local cloud ({@code up}, {@code demo}, {@code keys}) and a client of the API. */
public final class EbbCli {
    private static final String USAGE = """
            usage: ebb <command> [options]

              up [--data DIR] [--workers [MIN..]MAX] [--ports any] [--port N]
                                               start the local cloud (API :8080, SQS :9324, DynamoDB :8000);
                                               gpu workers are processes scaled MIN..MAX (default 0..4);
                                               --ports any: free ports for the servers, --port: the API's
              demo                             start a throw-away local cloud, run sample jobs, print results, stop
              keys create --tenant NAME [--rate R] [--burst N] [--budget B] [--disabled true|false]
                                               create an API key and print it (uses the running local cloud,
                                               or the state in --data DIR when none runs); with limits, set them
              keys update --tenant NAME [--rate R|none] [--burst N|none] [--budget B|none] [--disabled true|false]
                                               change a tenant's rate limit (requests/s), burst, budget (cost
                                               units) or kill switch; nonsense is refused, nothing written
              usage                            the tenant's spend, limits and cache hits (GET /v1/usage)
              submit [TEXT] [--task T] [--input JSON] [--model M] [--idempotency-key K] [--wait]
              get JOB_ID
              wait JOB_ID [--timeout SECONDS]  show progress until the job ends
              cancel JOB_ID
              jobs [--status S] [--upload-key KEY] [--limit N] [--next-token T]
                                               the tenant's jobs, newest first (GET /v1/jobs)
              chat SESSION TEXT [--system S] [--max-tokens N] [--model M]
                                               one turn of a chat session; prints the reply and its usage
              session SESSION [--end]          a chat session's turns (GET /v1/sessions/{id}); --end ends it
              upload FILE --task TASK [--wait] put FILE through a presigned URL (POST /v1/uploads); with
                                               --wait, show the job it made once it ends
              bench [--jobs N] [--clients N] [--rounds N] [--warmup N]
                                               the pipeline end to end against its floor, side by side
              bench embed [--models M,M] [--texts N] [--texts-per-job N,N] [--clients N] [--warmup N] [--runners N]
                                               the embedding model alone against the pipeline, batch 1/8/32
              bench cold-start [--rounds N]    submit → result from zero gpu workers, split by phase
              bench cache [--distinct N] [--requests N] [--skew S] [--clients N] [--seed N]
                                               a Zipf workload of embed/classify, cache off then on: hit rate,
                                               hit latency through the API, worker time saved
              simulate [--trace NAMES|FILE.csv] [--service-ms MS] [--startup-s S] [--price USD] [--interval-s S]
                       [--wait-s S] [--cool-down-s S] [--min N] [--max N] [--seed N] [--chart FILE.svg]
                                               cost and waits of the scaling policy against always-on and
                                               the step rule on traffic traces; writes a chart
              redrive [--lane gpu|cpu|llm] [--max N]
                                               queue dead-lettered jobs again, once their cause is fixed
                                               (the running local cloud, or the state in --data DIR)
              fault --scenario kill|restart|poison|crash [--jobs N] [--kill-every 2s] [--workers 6] [--rounds 3]
                                               fault test on a throw-away local cloud: prints lost, unexpected,
                                               duplicate results and executions (docs/reliability.md)

            client options: --url URL (default $EBB_URL or http://127.0.0.1:8080),
                            --key KEY (default $EBB_API_KEY, else the key 'ebb up' wrote to .ebb/api-key)
            """;
    static final Path DEFAULT_DATA = Path.of(".ebb");

    private final PrintStream out;
    private final PrintStream err;

    EbbCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] argv) {
        System.exit(new EbbCli(System.out, System.err).run(argv));
    }

    int run(String[] argv) {
        Args args;
        try {
            args = Args.parse(argv);
        } catch (UsageException e) {
            err.println("ebb: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        try {
            return switch (args.command()) {
                case "up" -> up(args);
                case "demo" -> Demo.run(out);
                case "keys" -> keys(args);
                case "submit" -> submit(args);
                case "get" -> print(client(args).get(args.positional(0, "JOB_ID")));
                case "wait" -> await(args, args.positional(0, "JOB_ID"));
                case "cancel" -> print(client(args).cancel(args.positional(0, "JOB_ID")));
                case "usage" -> print(client(args).usage());
                case "jobs" -> print(client(args).list(listQuery(args)));
                case "upload" -> upload(args);
                case "chat" -> chat(args);
                case "session" -> args.flag("end")
                        ? print(client(args).endSession(args.positional(0, "SESSION")))
                        : print(client(args).session(args.positional(0, "SESSION")));
                case "bench" -> switch (String.valueOf(args.positionalOrNull(0))) {
                    case "embed" -> EmbedBench.run(args, out);
                    case "cold-start" -> ColdStartBench.run(args, out);
                    case "cache" -> dev.ebb.local.bench.CacheBench.run(new dev.ebb.local.bench.CacheBench.Config(
                            args.integer("distinct", 200), args.integer("requests", 2_000),
                            Double.parseDouble(args.string("skew", "1.1")), args.integer("clients", 4),
                            Long.parseLong(args.string("seed", "14"))), out);
                    default -> Bench.run(args, out);
                };
                case "redrive" -> Redrive.run(args, out);
                case "fault" -> FaultCommand.run(args, out);
                case "simulate" -> simulate(args);
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> throw new UsageException("unknown command '" + args.command() + "'");
            };
        } catch (UsageException e) {
            err.println("ebb: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (ConnectException e) {
            err.println("ebb: cannot reach the API at " + url(args) + ": is 'ebb up' running?");
            return 1;
        } catch (IOException e) {
            err.println("ebb: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private int up(Args args) throws IOException, InterruptedException {
        Path data = args.path("data", DEFAULT_DATA);
        dev.ebb.core.scale.ScalingSettings scaling;
        try {
            scaling = WorkerRange.apply(args.string("workers", null),
                    dev.ebb.core.scale.ScalingSettings.fromEnv(System.getenv(), LocalScalers.LOCAL_DEFAULTS));
        } catch (dev.ebb.core.config.SettingsException e) {
            throw new UsageException(e.getMessage());
        }
        LocalRuntime.Options options = switch (args.string("ports", "standard")) {
            case "standard" -> LocalRuntime.Options.standard(data);
            case "any" -> LocalRuntime.Options.ephemeral(data);
            default -> throw new UsageException("--ports must be standard or any");
        };
        int apiPort = args.integer("port", options.httpPort());
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
                runtime.cloud().sqsEndpoint(),
                runtime.cloud().dynamoDbEndpoint(), runtime.cloud().s3Endpoint(), scaling.minWorkers(), scaling.maxWorkers(),
                scaling.coolDown().toSeconds(), runtime.cloud().bedrock().endpoint(), data);
        stopped.await();
        return 0;
    }

    private int simulate(Args args) throws IOException {
        try {
            return dev.ebb.local.simulate.Simulate.run(args.options(), System.getenv(), out);
        } catch (IllegalArgumentException e) {
            err.println("ebb simulate: " + e.getMessage());
            return 2;
        }
    }

    private int keys(Args args) throws IOException {
        String action = args.positionalOrNull(0);
        if (!"create".equals(action) && !"update".equals(action)) {
            throw new UsageException("keys: expected 'keys create --tenant NAME' or 'keys update --tenant NAME ...'");
        }
        String tenant = args.required("tenant");
        if (!ApiKeys.isValidTenant(tenant)) {
            throw new UsageException("tenant '" + tenant + "' is not valid: " + ApiKeys.describeTenantRule());
        }
        TenantLimits limits = new TenantLimits(args.string("rate", null), args.string("burst", null),
                args.string("budget", null), args.string("disabled", null));
        if ("update".equals(action) && !limits.changesAnything()) {
            throw new UsageException("keys update: give at least one of --rate, --burst, --budget, --disabled");
        }
        try {
            limits.applyTo(dev.ebb.core.tenant.TenantPolicy.NONE); // nonsense is refused before anything is written
        } catch (IllegalArgumentException e) {
            if (!"update".equals(action)) {
                throw new UsageException(e.getMessage());
            }
        }
        LocalClients.useLocalCredentials();
        // Prefer the running local cloud; one server per database file.
        try (DynamoDbClient running = DynamoDbClient.builder().region(LocalClients.REGION)
                .endpointOverride(URI.create("http://127.0.0.1:8000"))
                .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                .build()) {
            return keys(action, tenant, limits, running);
        } catch (SdkClientException notRunning) {
            // Nothing listens: open the state directly.
        }
        try (LocalCloud cloud = new LocalCloud(LocalCloud.Config.builder().dataDir(args.path("data", DEFAULT_DATA))
                .sqsPort(0).dynamoDbPort(0).build()).start()) {
            cloud.provision(ResourceSpec.defaults());
            return keys(action, tenant, limits, cloud.dynamoDbClient());
        }
    }

    private int keys(String action, String tenant, TenantLimits limits, DynamoDbClient dynamoDb) {
        DynamoDbApiKeyStore keys = new DynamoDbApiKeyStore(dynamoDb, Deployment.KEYS.defaultName(), Clock.systemUTC());
        TenantStore tenants = new DynamoDbTenantStore(dynamoDb, Deployment.TENANTS.defaultName());
        if ("update".equals(action) && !keys.tenantExists(tenant)) {
            throw new UsageException("keys update: no tenant '" + tenant + "' (create a key for it first)");
        }
        try {
            ObjectNode shown = "update".equals(action) || limits.changesAnything()
                    ? limits.applyAndShow(tenants, tenant) : null;
            if ("create".equals(action)) {
                out.println(keys.create(tenant));
            }
            if (shown != null) {
                (("create".equals(action)) ? err : out).println(Json.write(shown));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return 0;
    }

    private int submit(Args args) throws IOException, InterruptedException {
        ObjectNode request = Json.MAPPER.createObjectNode().put("task", args.string("task", "math"));
        String inputJson = args.string("input", null);
        if (inputJson != null) {
            try {
                request.set("input", Json.MAPPER.readTree(inputJson));
            } catch (IOException e) {
                throw new UsageException("--input is not valid JSON");
            }
        } else {
            String text = String.join(" ", args.positionals());
            if (text.isBlank()) {
                throw new UsageException("submit: give the input text, or --input JSON");
            }
            request.putObject("input").put("text", text);
        }
        if (args.string("model", null) != null) {
            request.put("model", args.string("model", null));
        }
        if (args.string("idempotency-key", null) != null) {
            request.put("idempotencyKey", args.string("idempotency-key", null));
        }
        EbbClient client = client(args);
        EbbClient.Response response = client.submit(Json.write(request));
        if (!args.flag("wait") || response.status() != 202) {
            return print(response);
        }
        return await(args, response.body().path("jobId").asText());
    }

    private int chat(Args args) throws IOException, InterruptedException {
        String session = args.positional(0, "SESSION");
        List<String> words = args.positionals();
        String text = String.join(" ", words.subList(Math.min(1, words.size()), words.size()));
        if (text.isBlank()) {
            throw new UsageException("chat: give the session and the message, e.g. ebb chat my-session Hello");
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("text", text);
        if (args.string("system", null) != null) {
            body.put("system", args.string("system", null));
        }
        if (args.string("max-tokens", null) != null) {
            body.put("maxTokens", args.integer("max-tokens", 0));
        }
        if (args.string("model", null) != null) {
            body.put("model", args.string("model", null));
        }
        return Conversation.turn(client(args), session, Json.write(body), text, out) ? 0 : 1;
    }

    private int await(Args args, String jobId) throws IOException, InterruptedException {
        Duration timeout = Duration.ofSeconds(args.integer("timeout", 300));
        long start = System.nanoTime();
        EbbClient.Response response = client(args).await(jobId, timeout, job -> err.printf("%6.1fs  %s  %s%n",
                (System.nanoTime() - start) / 1e9, jobId, job.path("status").asText()));
        return print(response);
    }

    private static String listQuery(Args args) {
        StringBuilder query = new StringBuilder();
        for (String[] option : new String[][] {{"status", "status"}, {"upload-key", "uploadKey"}, {"limit", "limit"},
                {"next-token", "nextToken"}}) {
            String value = args.string(option[0], null);
            if (value != null) {
                query.append(query.isEmpty() ? "" : "&").append(option[1]).append('=')
                        .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return query.toString();
    }

    /** Presigns, puts the file with the URL as any HTTP client would, and (with --wait) awaits the job it made. */
    private int upload(Args args) throws IOException, InterruptedException {
        Path file = Path.of(args.positional(0, "FILE"));
        if (!Files.isRegularFile(file)) {
            throw new UsageException("upload: no file " + file);
        }
        EbbClient client = client(args);
        String request = dev.ebb.core.Json.write(dev.ebb.core.Json.MAPPER.createObjectNode()
                .put("task", args.required("task")).put("filename", file.getFileName().toString()));
        EbbClient.Response presigned = client.createUpload(request);
        if (!presigned.ok()) {
            return print(presigned);
        }
        String key = presigned.body().path("key").asText();
        java.net.http.HttpResponse<String> put = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create(presigned.body().path("url").asText()))
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofFile(file)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() / 100 != 2) {
            err.println("ebb: the object store answered " + put.statusCode() + " to the upload of " + key);
            return 1;
        }
        err.println("uploaded " + key);
        if (!args.flag("wait")) {
            out.println(key);
            return 0;
        }
        String query = "uploadKey=" + java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + Duration.ofSeconds(args.integer("timeout", 300)).toNanos();
        while (true) {
            EbbClient.Response listed = client.list(query);
            var jobs = listed.body().path("jobs");
            if (!listed.ok()) {
                return print(listed);
            }
            if (!jobs.isEmpty() && jobs.get(0).path("timings").has("finishedAt")) {
                return print(new EbbClient.Response(listed.status(), jobs.get(0)));
            }
            if (System.nanoTime() > deadline) {
                err.println("ebb: no finished job for " + key + " yet; see 'ebb jobs --upload-key " + key + "'");
                return 1;
            }
            Thread.sleep(200);
        }
    }

    private int print(EbbClient.Response response) {
        out.println(response.body().toPrettyString());
        String status = response.body().path("status").asText("");
        return response.ok() && !status.equals("FAILED") && !status.equals("CANCELLED") ? 0 : 1;
    }

    private EbbClient client(Args args) throws IOException {
        String key = args.string("key", System.getenv("EBB_API_KEY"));
        Path keyFile = args.path("data", DEFAULT_DATA).resolve("api-key");
        if (key == null && Files.exists(keyFile)) {
            key = Files.readString(keyFile).strip();
        }
        if (key == null) {
            throw new UsageException("no API key: pass --key, set EBB_API_KEY, or run 'ebb up' (it writes "
                    + keyFile + ")");
        }
        return new EbbClient(URI.create(url(args)), key);
    }

    private static String url(Args args) {
        String env = System.getenv("EBB_URL");
        return args.string("url", env != null ? env : "http://127.0.0.1:8080");
    }

    private static void writeSecret(Path file, String secret) throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, secret + "\n");
    }

    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    /** {@code command [positional...] [--name value | --flag]...} */
    public record Args(String command, List<String> positionals, Map<String, String> options) {
        private static final java.util.Set<String> FLAGS = java.util.Set.of("wait", "end");

        static Args parse(String[] argv) {
            if (argv.length == 0) {
                throw new UsageException("no command given");
            }
            List<String> positionals = new ArrayList<>();
            Map<String, String> options = new HashMap<>();
            for (int i = 1; i < argv.length; i++) {
                String arg = argv[i];
                if (arg.startsWith("--") && arg.length() > 2) {
                    String name = arg.substring(2);
                    if (FLAGS.contains(name)) {
                        options.put(name, "true");
                    } else if (i + 1 < argv.length) {
                        options.put(name, argv[++i]);
                    } else {
                        throw new UsageException("--" + name + " needs a value");
                    }
                } else {
                    positionals.add(arg);
                }
            }
            return new Args(argv[0], positionals, options);
        }

        String positional(int index, String name) {
            String value = positionalOrNull(index);
            if (value == null) {
                throw new UsageException(command + ": missing " + name);
            }
            return value;
        }

        String positionalOrNull(int index) {
            return index < positionals.size() ? positionals.get(index) : null;
        }

        public String string(String name, String fallback) {
            return options.getOrDefault(name, fallback);
        }

        String required(String name) {
            String value = options.get(name);
            if (value == null) {
                throw new UsageException(command + ": --" + name + " is required");
            }
            return value;
        }

        boolean flag(String name) {
            return options.containsKey(name);
        }

        public int integer(String name, int fallback) {
            String value = options.get(name);
            if (value == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " must be a whole number, not '" + value + "'");
            }
        }

        Path path(String name, Path fallback) {
            String value = options.get(name);
            return value == null ? fallback : Path.of(value);
        }
    }
}
