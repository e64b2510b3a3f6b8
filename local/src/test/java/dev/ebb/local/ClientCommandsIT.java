package dev.ebb.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebb.core.Json;
import dev.ebb.local.cli.EbbCli;
import dev.ebb.local.cli.ExitCodes;
import dev.ebb.local.runtime.LocalRuntime;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client commands against a running local cloud: what people read, what scripts parse, the exit codes. */
class ClientCommandsIT {
    private final LocalRuntime ebb = EmbeddedEbb.get();
    private final String key = ebb.keys().create("cli");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int ebb(String... argv) {
        out.reset();
        err.reset();
        List<String> args = new ArrayList<>(List.of(argv));
        args.addAll(List.of("--url", ebb.apiEndpoint().toString(), "--key", key));
        return EbbCli.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void submitWait_showsTheFinishedJobForPeople_andExitsZero() {
        assertThat(ebb("submit", "What", "is", "50", "divided", "by", "2?", "--wait")).isEqualTo(ExitCodes.OK);
        assertThat(out()).containsPattern("status +SUCCEEDED").contains("50 divided by 2 = 25")
                .containsPattern("time +waited \\d+ ms, ran \\d+ ms");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("SUCCEEDED"); // progress: not a terminal, lines
    }

    @Test
    void json_isTheApiBodyForScripts() throws Exception {
        assertThat(ebb("submit", "What is 2 plus 2?", "--json")).isEqualTo(ExitCodes.OK);
        JsonNode accepted = Json.MAPPER.readTree(out());
        String jobId = accepted.path("jobId").asText();
        assertThat(accepted.path("status").asText()).isEqualTo("QUEUED");

        assertThat(ebb("wait", jobId, "--json")).isEqualTo(ExitCodes.OK);
        JsonNode job = Json.MAPPER.readTree(out());
        assertThat(job.path("result").path("text").asText()).isEqualTo("2 plus 2 = 4");

        assertThat(ebb("jobs", "--limit", "50")).isEqualTo(ExitCodes.OK);
        assertThat(out()).startsWith("JOB").contains(jobId).contains("SUCCEEDED");
    }

    @Test
    void failedJob_exitsOne() {
        assertThat(ebb("submit", "What is 7 divided by 0?", "--wait")).isEqualTo(ExitCodes.FAILED);
        assertThat(out()).containsPattern("status +FAILED").contains("error");
    }

    @Test
    void apiError_isItsCodeAndMessage_andExitsThree() {
        assertThat(ebb("get", "j_00000000000000000000000000")).isEqualTo(ExitCodes.API_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("404 not_found");
        assertThat(out()).isEmpty();

        assertThat(ebb("submit", "x", "--task", "nope")).isEqualTo(ExitCodes.API_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("400 unknown_task");
    }
}
