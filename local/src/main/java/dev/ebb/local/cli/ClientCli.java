package dev.ebb.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpConnectTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The client commands of {@code ebb} ({@code submit}, {@code get}, {@code wait}, {@code cancel}, {@code jobs},
 * {@code upload}): callers of the HTTP API that need nothing but picocli, Jackson and the JDK's HTTP client. The
 * {@code ebb} launcher starts them on that small class path (and the JDK's AOT cache) with this class's
 * {@link #main}, so that a call starts fast; {@link EbbCli} adds the local cloud's commands to the same root.
 */
public final class ClientCli {
    static final Path DEFAULT_DATA = Path.of(".ebb");
    static final String DEFAULT_URL = "http://127.0.0.1:8080";

    private ClientCli() {
    }

    /**
     * The launcher's entry for the client commands. Only the command called is added to the root (picocli reflects on
     * each command it is given, and a fresh JVM pays for that in the interpreter); {@link EbbCli} has them all.
     */
    public static void main(String[] argv) {
        CommandLine root = new CommandLine(new Root());
        Map<String, Supplier<ClientCommand>> commands = commands();
        if (argv.length > 0 && commands.containsKey(argv[0])) {
            root.addSubcommand(commands.get(argv[0]).get());
        } else {
            commands.values().forEach(command -> root.addSubcommand(command.get()));
        }
        System.exit(configure(root, System.out, System.err, false).execute(argv));
    }

    private static Map<String, Supplier<ClientCommand>> commands() {
        Map<String, Supplier<ClientCommand>> commands = new LinkedHashMap<>();
        commands.put("submit", Submit::new);
        commands.put("get", Get::new);
        commands.put("wait", Wait::new);
        commands.put("cancel", Cancel::new);
        commands.put("jobs", Jobs::new);
        commands.put("upload", Upload::new);
        commands.put("usage", Usage::new);
        commands.put("chat", Chat::new);
        commands.put("session", Session::new);
        return commands;
    }


    /** The root {@code ebb} command, with the client commands added after {@code first}. */
    @Command(name = "ebb", mixinStandardHelpOptions = true, version = "ebb 0.1.0",
            description = "Ebb: AI inference behind a queue, on one machine (the local cloud) or on AWS.",
            footer = {"", "Client commands call the API at --url (default $EBB_URL or " + DEFAULT_URL + ") with --key "
                    + "(default $EBB_API_KEY, else the key 'ebb up' wrote to .ebb/api-key).",
                    "Exit status: 0 ok, 1 the job FAILED or was CANCELLED (or a check failed), 2 usage, "
                            + "3 the API answered an error, 4 the API cannot be reached, 5 --timeout passed, "
                            + "130 interrupted.",
                    "'ebb COMMAND --help' shows a command's options."})
    public static final class Root implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("ebb: no command given");
            spec.commandLine().usage(spec.commandLine().getErr());
            return ExitCodes.USAGE;
        }
    }

    /** Adds the client commands to {@code root}. */
    static CommandLine addClientCommands(CommandLine root) {
        commands().values().forEach(command -> root.addSubcommand(command.get()));
        return root;
    }

    /**
     * Output streams, exit codes of usage errors and the mapping of exceptions to exit codes, for {@code root} and all
     * its subcommands (picocli: an unknown flag or a missing value names itself, prints that command's usage, 2).
     */
    static CommandLine configure(CommandLine root, PrintStream out, PrintStream err, boolean clientCommands) {
        if (clientCommands) {
            addClientCommands(root);
        }
        root.setOut(new PrintWriter(out, true));
        root.setErr(new PrintWriter(err, true));
        root.setUsageHelpWidth(100);
        root.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter errors = commandLine.getErr();
            if (e instanceof UsageException) {
                errors.println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                commandLine.usage(errors);
                return ExitCodes.USAGE;
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return ExitCodes.INTERRUPTED;
            }
            if (e instanceof IOException) {
                errors.println("ebb: " + e.getMessage());
                return ExitCodes.FAILED;
            }
            throw e;
        });
        return root;
    }

    /** {@code -h, --help} on every command and subcommand. */
    static final class HelpOption {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
        boolean help;
    }

    /** The options every client command takes. */
    static final class ClientOptions {
        @Option(names = "--url", paramLabel = "URL",
                description = "the API (default: $EBB_URL, else " + DEFAULT_URL + ")")
        String url;

        @Option(names = "--key", paramLabel = "KEY",
                description = "the API key (default: $EBB_API_KEY, else the key in DATA/api-key)")
        String key;

        @Option(names = "--data", paramLabel = "DIR", description = "the local cloud's state folder (default: .ebb)")
        Path data = DEFAULT_DATA;

        @Option(names = "--json", description = "print the API's JSON as it came, for scripts")
        boolean json;

        String url() {
            if (url != null) {
                return url;
            }
            String env = System.getenv("EBB_URL");
            return env != null && !env.isBlank() ? env : DEFAULT_URL;
        }

        EbbClient client() throws IOException {
            String apiKey = key != null ? key : System.getenv("EBB_API_KEY");
            Path keyFile = data.resolve("api-key");
            if (apiKey == null && Files.exists(keyFile)) {
                apiKey = Files.readString(keyFile).strip();
            }
            if (apiKey == null) {
                throw new UsageException("no API key: pass --key, set EBB_API_KEY, or run 'ebb up' (it writes "
                        + keyFile + ")");
            }
            URI uri;
            try {
                uri = URI.create(url());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--url is not a URL: " + url());
            }
            return EbbClient.forOneShot(uri, apiKey);
        }
    }

    /** A command that calls the API: a connection refused is exit status 4, an error answer 3. */
    abstract static class ClientCommand implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Mixin
        ClientOptions options;

        @Spec
        CommandSpec spec;

        abstract int run(EbbClient client) throws IOException, InterruptedException;

        @Override
        public final Integer call() throws IOException, InterruptedException {
            try {
                return run(options.client());
            } catch (ConnectException | java.net.SocketTimeoutException | HttpConnectTimeoutException e) {
                err().println("ebb: cannot reach the API at " + options.url() + ": is 'ebb up' running? "
                        + "(--url or EBB_URL say where it is)");
                return ExitCodes.UNREACHABLE;
            }
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        /** An error answer: on stderr as its code and message (with {@code --json}, its body on stdout too), 3. */
        int apiError(EbbClient.Response response) {
            if (options.json) {
                out().println(response.body().toPrettyString());
            }
            err().println("ebb: " + Views.error(response.status(), response.body()));
            return ExitCodes.API_ERROR;
        }

        /** A job: 0 unless it ended FAILED or CANCELLED. */
        int job(EbbClient.Response response) {
            if (!response.ok()) {
                return apiError(response);
            }
            if (options.json) {
                out().println(response.body().toPrettyString());
            } else {
                Views.job(response.body(), out());
            }
            String status = response.body().path("status").asText("");
            return status.equals("FAILED") || status.equals("CANCELLED") ? ExitCodes.FAILED : ExitCodes.OK;
        }

        /** Follows a job until it ends: a bar on a terminal, a line per status change otherwise. */
        int await(EbbClient client, String jobId, int timeoutSeconds) throws IOException, InterruptedException {
            long start = System.nanoTime();
            EbbClient.Response response;
            try (Progress progress = Progress.onStderr()) {
                progress.start(jobId, -1);
                boolean bar = progress != Progress.NONE;
                response = client.await(jobId, Duration.ofSeconds(timeoutSeconds), job -> {
                    if (bar) {
                        progress.message(job.path("status").asText());
                    } else {
                        err().printf("%6.1fs  %s  %s%n", (System.nanoTime() - start) / 1e9, jobId,
                                job.path("status").asText());
                    }
                });
            }
            int code = job(response);
            if (response.ok() && !isTerminal(response.body())) {
                err().println("ebb: " + jobId + " has not ended after " + timeoutSeconds + " s; it goes on: "
                        + "'ebb wait " + jobId + "'");
                return ExitCodes.TIMEOUT;
            }
            return code;
        }

        static boolean isTerminal(JsonNode job) {
            return job.path("status").asText().matches("SUCCEEDED|FAILED|CANCELLED");
        }
    }

    @Command(name = "submit", description = {
            "Submit a job (POST /v1/jobs); with --wait, follow it to its end.",
            "The input is the TEXT words ({\"text\": TEXT}), or --input JSON."})
    static final class Submit extends ClientCommand {
        @Parameters(paramLabel = "TEXT", arity = "0..*", description = "the input text")
        List<String> text = List.of();

        @Option(names = "--task", paramLabel = "TASK", defaultValue = "math",
                description = "math, embed, classify (default: ${DEFAULT-VALUE})")
        String task;

        @Option(names = "--input", paramLabel = "JSON", description = "the input as JSON instead of TEXT")
        String input;

        @Option(names = "--model", paramLabel = "MODEL", description = "the model (embed, classify)")
        String model;

        @Option(names = "--idempotency-key", paramLabel = "KEY",
                description = "submits with the same key make one job")
        String idempotencyKey;

        @Option(names = "--wait", description = "follow the job until it ends, then print it")
        boolean await;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
                description = "with --wait: how long to wait (default: ${DEFAULT-VALUE})")
        int timeout;

        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            ObjectNode request = Json.MAPPER.createObjectNode().put("task", task);
            if (input != null) {
                try {
                    request.set("input", Json.MAPPER.readTree(input));
                } catch (IOException e) {
                    throw new UsageException("--input is not valid JSON");
                }
            } else {
                String joined = String.join(" ", text);
                if (joined.isBlank()) {
                    throw new UsageException("give the input TEXT, or --input JSON");
                }
                request.putObject("input").put("text", joined);
            }
            if (model != null) {
                request.put("model", model);
            }
            if (idempotencyKey != null) {
                request.put("idempotencyKey", idempotencyKey);
            }
            EbbClient.Response response = client.submit(Json.write(request));
            if (!response.ok()) {
                return apiError(response);
            }
            if (response.status() == 202 && await) {
                return await(client, response.body().path("jobId").asText(), timeout);
            }
            if (response.status() != 202) {
                return job(response); // an idempotent replay of a finished job: the job itself
            }
            if (options.json) {
                out().println(response.body().toPrettyString());
            } else {
                out().println(response.body().path("jobId").asText() + "  " + response.body().path("status").asText());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "usage", description = "The tenant's spend, limits and cache hits (GET /v1/usage).")
    static final class Usage extends ClientCommand {
        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            EbbClient.Response response = client.usage();
            if (!response.ok()) {
                return apiError(response);
            }
            out().println(response.body().toPrettyString());
            return ExitCodes.OK;
        }
    }

    @Command(name = "chat", description = {
            "One turn of a chat session (POST /v1/sessions/{id}/messages); prints the reply and its usage.",
            "The session is made on its first message; later turns see the earlier ones."})
    static final class Chat extends ClientCommand {
        @Parameters(index = "0", paramLabel = "SESSION", description = "the session id")
        String session;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT", description = "the message")
        List<String> text = List.of();

        @Option(names = "--system", paramLabel = "S", description = "the system prompt")
        String system;

        @Option(names = "--max-tokens", paramLabel = "N", description = "the most tokens the reply may have")
        Integer maxTokens;

        @Option(names = "--model", paramLabel = "MODEL", description = "the model")
        String model;

        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            String message = String.join(" ", text);
            if (message.isBlank()) {
                throw new UsageException("chat: give the session and the message, e.g. ebb chat my-session Hello");
            }
            ObjectNode body = Json.MAPPER.createObjectNode().put("text", message);
            if (system != null) {
                body.put("system", system);
            }
            if (maxTokens != null) {
                body.put("maxTokens", maxTokens);
            }
            if (model != null) {
                body.put("model", model);
            }
            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            boolean ok;
            try (PrintStream stream = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
                ok = Conversation.turn(client, session, Json.write(body), message, stream);
            }
            out().print(printed.toString(StandardCharsets.UTF_8));
            out().flush();
            return ok ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    @Command(name = "session", description = {
            "A chat session's turns (GET /v1/sessions/{id}); with --end, end it (DELETE /v1/sessions/{id})."})
    static final class Session extends ClientCommand {
        @Parameters(paramLabel = "SESSION", description = "the session id")
        String session;

        @Option(names = "--end", description = "end the session")
        boolean end;

        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            EbbClient.Response response = end ? client.endSession(session) : client.session(session);
            if (!response.ok()) {
                return apiError(response);
            }
            out().println(response.body().toPrettyString());
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", description = "Show a job (GET /v1/jobs/{id}).")
    static final class Get extends ClientCommand {
        @Parameters(paramLabel = "JOB_ID", description = "the job")
        String jobId;

        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            return job(client.get(jobId));
        }
    }

    @Command(name = "wait",
            description = "Follow a job until it ends (a progress bar on a terminal), then show it.")
    static final class Wait extends ClientCommand {
        @Parameters(paramLabel = "JOB_ID", description = "the job")
        String jobId;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
                description = "how long to wait (default: ${DEFAULT-VALUE}); exit status 5 if it passes")
        int timeout;

        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            return await(client, jobId, timeout);
        }
    }

    @Command(name = "cancel",
            description = "Cancel a job that has not ended (DELETE /v1/jobs/{id}).")
    static final class Cancel extends ClientCommand {
        @Parameters(paramLabel = "JOB_ID", description = "the job")
        String jobId;

        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            EbbClient.Response response = client.cancel(jobId);
            int code = job(response);
            return response.ok() && "CANCELLED".equals(response.body().path("status").asText()) ? ExitCodes.OK : code;
        }
    }

    @Command(name = "jobs",
            description = "The tenant's jobs, newest first (GET /v1/jobs), as a table.")
    static final class Jobs extends ClientCommand {
        @Option(names = "--status", paramLabel = "STATUS", description = "QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED")
        String status;

        @Option(names = "--upload-key", paramLabel = "KEY", description = "the jobs an upload made")
        String uploadKey;

        @Option(names = "--limit", paramLabel = "N", description = "at most N jobs")
        Integer limit;

        @Option(names = "--next-token", paramLabel = "TOKEN", description = "the next page")
        String nextToken;

        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            StringBuilder query = new StringBuilder();
            append(query, "status", status);
            append(query, "uploadKey", uploadKey);
            append(query, "limit", limit == null ? null : limit.toString());
            append(query, "nextToken", nextToken);
            EbbClient.Response response = client.list(query.toString());
            if (!response.ok()) {
                return apiError(response);
            }
            if (options.json) {
                out().println(response.body().toPrettyString());
            } else {
                Views.jobs(response.body(), out());
            }
            return ExitCodes.OK;
        }

        private static void append(StringBuilder query, String name, String value) {
            if (value != null) {
                query.append(query.isEmpty() ? "" : "&").append(name).append('=')
                        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
    }

    @Command(name = "upload", description = {
            "Upload a file as a job (POST /v1/uploads, then PUT).",
            "The object becomes a job; with --wait, show that job once it ends."})
    static final class Upload extends ClientCommand {
        @Parameters(paramLabel = "FILE", description = "the file")
        Path file;

        @Option(names = "--task", required = true, paramLabel = "TASK", description = "the task the object becomes")
        String task;

        @Option(names = "--wait", description = "show the job the upload made once it ends")
        boolean await;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
                description = "with --wait: how long to wait (default: ${DEFAULT-VALUE})")
        int timeout;

        @Override
        int run(EbbClient client) throws IOException, InterruptedException {
            if (!Files.isRegularFile(file)) {
                throw new UsageException("no file " + file);
            }
            EbbClient.Response presigned = client.createUpload(Json.write(Json.MAPPER.createObjectNode()
                    .put("task", task).put("filename", file.getFileName().toString())));
            if (!presigned.ok()) {
                return apiError(presigned);
            }
            String key = presigned.body().path("key").asText();
            int put = client.put(URI.create(presigned.body().path("url").asText()), file);
            if (put / 100 != 2) {
                err().println("ebb: the object store answered " + put + " to the upload of " + key);
                return ExitCodes.API_ERROR;
            }
            err().println("uploaded " + key);
            if (!await) {
                out().println(key);
                return ExitCodes.OK;
            }
            String query = "uploadKey=" + URLEncoder.encode(key, StandardCharsets.UTF_8);
            long deadline = System.nanoTime() + Duration.ofSeconds(timeout).toNanos();
            while (true) {
                EbbClient.Response listed = client.list(query);
                if (!listed.ok()) {
                    return apiError(listed);
                }
                JsonNode jobs = listed.body().path("jobs");
                if (!jobs.isEmpty() && isTerminal(jobs.get(0))) {
                    return job(new EbbClient.Response(listed.status(), jobs.get(0)));
                }
                if (System.nanoTime() > deadline) {
                    err().println("ebb: no finished job for " + key + " yet; see 'ebb jobs --upload-key " + key + "'");
                    return ExitCodes.TIMEOUT;
                }
                Thread.sleep(200);
            }
        }
    }
}
