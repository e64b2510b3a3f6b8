package dev.ebb.local.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * The training run of the client commands' AOT cache (JDK 25's {@code -XX:AOTCacheOutput}): the {@code ebb}
 * launcher runs this once after a build, so that the classes a client call loads and links (picocli and its model
 * of the commands, the JDK's HTTP client, Jackson, the views) are in the cache before the first real call. It serves
 * a canned job on a loopback port of its own and drives {@code submit}, {@code get}, {@code jobs} and an error
 * answer through the real command line against it; nothing else is contacted, and its output is discarded.
 */
public final class ClientAotTraining {
    private static final String JOB = """
            {"jobId":"j_00000000000000000000000000","task":"math","status":"SUCCEEDED","attempts":1,
             "timings":{"queuedAt":"2026-01-01T00:00:00Z","startedAt":"2026-01-01T00:00:00.010Z",
             "finishedAt":"2026-01-01T00:00:00.020Z","waitMs":10,"runMs":10,"totalMs":20},
             "result":{"text":"1 plus 1 = 2","value":2}}""";

    private ClientAotTraining() {
    }

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            int status = 200;
            String body = JOB;
            if (path.endsWith("j_11111111111111111111111111")) {
                status = 404;
                body = "{\"error\":{\"code\":\"job_not_found\",\"message\":\"no such job\"}}";
            } else if (path.equals("/v1/jobs") && exchange.getRequestMethod().equals("GET")) {
                body = "{\"jobs\":[" + JOB + "],\"nextToken\":null}";
            } else if (exchange.getRequestMethod().equals("POST")) {
                status = 202;
                body = "{\"jobId\":\"j_00000000000000000000000000\",\"status\":\"QUEUED\"}";
            }
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        Path data = Files.createTempDirectory("ebb-client-training-");
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            String[][] calls = {
                    {"submit", "What is 1 plus 1?", "--wait"},
                    {"submit", "--task", "embed", "--input", "[\"a\",\"b\"]", "--json"},
                    {"get", "j_00000000000000000000000000"},
                    {"get", "j_00000000000000000000000000", "--json"},
                    {"get", "j_11111111111111111111111111"},
                    {"wait", "j_00000000000000000000000000"},
                    {"cancel", "j_00000000000000000000000000"},
                    {"jobs", "--limit", "5"},
                    {"get", "--bogus"},
                    {"get", "--help"}};
            PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            for (String[] call : calls) {
                String[] argv = new String[call.length + 6];
                System.arraycopy(call, 0, argv, 0, call.length);
                System.arraycopy(new String[] {"--url", url, "--key", "training", "--data", data.toString()}, 0, argv,
                        call.length, 6);
                if (call[1].equals("--bogus") || call[1].equals("--help")) {
                    argv = call;
                }
                ClientCli.configure(new CommandLine(new ClientCli.Root()), sink, sink, true).execute(argv);
            }
        } finally {
            server.stop(0);
            Files.deleteIfExists(data);
        }
    }
}
