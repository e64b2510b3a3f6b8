package dev.ebb.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Exit codes the running local cloud cannot be made to give on demand, against an API that answers as told. */
class ClientExitCodesTest {
    private static final String QUEUED = "{\"jobId\":\"j_00000000000000000000000000\",\"task\":\"embed\",\"status\":"
            + "\"QUEUED\",\"attempts\":0,\"timings\":{\"queuedAt\":\"2026-01-01T00:00:00Z\",\"waitMs\":5}}";
    private final AtomicReference<String> answer = new AtomicReference<>(QUEUED);
    private final AtomicReference<Integer> status = new AtomicReference<>(200);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/", exchange -> {
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.sendResponseHeaders(status.get(), body.length);
            try (OutputStream stream = exchange.getResponseBody()) {
                stream.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int ebb(String... argv) {
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(argv), java.util.stream.Stream.of(
                "--url", "http://127.0.0.1:" + server.getAddress().getPort(), "--key", "k")).toArray(String[]::new);
        return EbbCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void wait_whenTheJobHasNotEndedByTheTimeout_exitsFiveAndSaysItGoesOn() {
        assertThat(ebb("wait", "j_00000000000000000000000000", "--timeout", "0")).isEqualTo(ExitCodes.TIMEOUT);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("has not ended after 0 s; it goes on");
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("status +QUEUED");
    }

    @Test
    void cancelledJob_exitsZeroForCancel_andOneForGet() {
        answer.set(QUEUED.replace("QUEUED", "CANCELLED"));
        assertThat(ebb("cancel", "j_00000000000000000000000000")).isEqualTo(ExitCodes.OK);
        assertThat(ebb("get", "j_00000000000000000000000000")).isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void unavailable_isAnApiError_withItsCode() {
        status.set(503);
        answer.set("{\"error\":{\"code\":\"backend_unavailable\",\"message\":\"retry later\"}}");
        assertThat(ebb("get", "j_00000000000000000000000000", "--json")).isEqualTo(ExitCodes.API_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("503 backend_unavailable: retry later");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"backend_unavailable\""); // --json: the body too
    }

    @Test
    void costOfAJob_isShownWhenTheApiGivesIt() {
        answer.set(QUEUED.replace("\"attempts\":0", "\"attempts\":0,\"cost\":{\"usd\":0.0000042}"));
        assertThat(ebb("get", "j_00000000000000000000000000")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("cost +\\$0\\.00000420");
    }
}
