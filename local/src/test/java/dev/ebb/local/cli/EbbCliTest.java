package dev.ebb.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line's parsing, help and exit codes: no local cloud is started. */
class EbbCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... argv) {
        return EbbCli.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void redriveHelp_printsItsUsageAndExitsZero() {
        assertThat(run("redrive", "--help")).isZero();
        assertThat(out()).contains("Usage: ebb redrive").contains("--lane").contains("--max");
    }

    @Test
    void keysUpdateHelp_offersToCancelAQueueWithTheSwitch_andKeysCreateDoesNot() {
        assertThat(run("keys", "update", "--help")).isZero();
        assertThat(out()).contains("--cancel-queued").contains("--disabled");
        assertThat(run("keys", "create", "--tenant", "acme", "--cancel-queued")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("--cancel-queued");
    }

    @Test
    void everyCommandAndSubcommand_answersHelpWithItsOwnUsage() {
        List<List<String>> paths = new ArrayList<>();
        collect(EbbCli.commandLine(System.out, System.err), new ArrayList<>(), paths);
        assertThat(paths).extracting(p -> String.join(" ", p)).contains("up", "demo", "keys", "keys create",
                "submit", "get", "wait", "cancel", "jobs", "upload", "bench", "bench embed", "bench cold-start",
                "bench function-cold-start", "simulate", "redrive", "fault");
        for (List<String> path : paths) {
            if (path.equals(List.of("help"))) {
                continue;
            }
            out.reset();
            List<String> argv = new ArrayList<>(path);
            argv.add("--help");
            assertThat(run(argv.toArray(String[]::new))).as("ebb %s --help", path).isZero();
            assertThat(out()).as("ebb %s --help", path).contains("Usage: ebb " + String.join(" ", path));
        }
    }

    private static void collect(CommandLine command, List<String> prefix, List<List<String>> paths) {
        command.getSubcommands().forEach((name, sub) -> {
            List<String> path = new ArrayList<>(prefix);
            path.add(name);
            paths.add(path);
            collect(sub, path, paths);
        });
    }

    @Test
    void unknownFlag_namesItShowsThatCommandsUsageAndExitsTwo() {
        assertThat(run("get", "j_x", "--bogus")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("Unknown option: '--bogus'").contains("Usage: ebb get");
    }

    @Test
    void missingValue_namesTheOptionAndExitsTwo() {
        assertThat(run("wait", "j_x", "--timeout")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("'--timeout'").contains("Usage: ebb wait");
    }

    @Test
    void badNumber_namesTheOptionAndExitsTwo() {
        assertThat(run("bench", "--jobs", "many")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("--jobs").contains("many").contains("Usage: ebb bench");
    }

    @Test
    void checkedValue_outOfRange_isAUsageErrorOfThatCommand() {
        assertThat(run("redrive", "--lane", "tpu")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("--lane must be gpu, cpu or llm").contains("Usage: ebb redrive");
        err.reset();
        assertThat(run("bench", "cold-start", "--rounds", "0")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("--rounds must be at least 1").contains("Usage: ebb bench cold-start");
        err.reset();
        assertThat(run("keys", "update", "--tenant", "acme")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("give at least one of --rate, --burst, --budget, --disabled")
                .contains("Usage: ebb keys update");
        err.reset();
        assertThat(run("chat", "my-session")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("TEXT");
    }

    @Test
    void unknownCommand_andNoCommand_areUsageErrors() {
        assertThat(run("frobnicate")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("frobnicate");
        err.reset();
        assertThat(run()).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("no command given").contains("Commands:");
    }

    @Test
    void topLevelHelp_listsTheExitCodes() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("Exit status: 0 ok, 1 the job FAILED").contains("4 the API cannot be reached");
    }

    @Test
    void clientCommand_whenNothingListens_exitsFour() {
        assertThat(run("get", "j_00000000000000000000000000", "--url", "http://127.0.0.1:9", "--key", "k"))
                .isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(err()).contains("cannot reach the API at http://127.0.0.1:9");
    }

    @Test
    void submit_withoutInput_isAUsageError() {
        assertThat(run("submit", "--key", "k", "--url", "http://127.0.0.1:9")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("give the input TEXT, or --input JSON");
    }

    @Test
    void simulate_badOption_isAUsageErrorThatNamesIt() {
        assertThat(run("simulate", "--service-ms", "-5")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("--service-ms must be positive");
    }

    @Test
    void aotTrainingRun_drivesTheClientCommandsAgainstItsCannedApi() throws Exception {
        ClientAotTraining.main(new String[0]); // what the launcher runs once per build; it must not fail
    }

    @Test
    void similarity_refusesAnUnknownModel_andAReferenceWithNothingToCompare() {
        assertThat(run("similarity", "--models", "no-such-model", "a", "b")).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("unknown model no-such-model");
        assertThat(run("similarity", "only a reference")).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void similarity_ranksTextsAgainstTheReference_onTheRealModel() {
        assertThat(run("similarity", "--models", "all-minilm-l6-v2-q", "I love this phone", "i LOVE this phone",
                "I hate this phone")).isZero();
        // The tokenizer is uncased: the same text in other case is the same vector; the opposite is far below 0.95.
        assertThat(out()).contains("| i LOVE this phone | 1.000 (hit) |");
        assertThat(out()).containsPattern("\\| I hate this phone \\| 0\\.[0-8]\\d\\d \\|");
    }
}
