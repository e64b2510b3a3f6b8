package dev.ebb.core.task.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.session.Turn;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {
    private static Turn turn(String id, String text, String reply, String status, String system) {
        return new Turn(id, text, system, status, Instant.EPOCH, "m", reply, null, null, null, 0);
    }

    private static Turn ok(String id, int chars) {
        return turn(id, "x".repeat(chars), "y".repeat(chars), Turn.SUCCEEDED, null);
    }

    @Test
    void tokens_areOnePerFourCharactersRoundedUp() {
        assertThat(History.tokens("")).isZero();
        assertThat(History.tokens("abcd")).isEqualTo(1);
        assertThat(History.tokens("abcde")).isEqualTo(2);
        assertThat(History.tokens((String) null)).isZero();
    }

    @Test
    void trim_dropsTheOldestTurnsFirst_andKeepsTheRestInOrder() {
        // Each turn is 40 + 40 chars = 20 tokens.
        List<Turn> earlier = List.of(ok("a", 40), ok("b", 40), ok("c", 40), ok("d", 40));
        assertThat(History.trim(earlier, 1000)).extracting(Turn::jobId).containsExactly("a", "b", "c", "d");
        assertThat(History.trim(earlier, 60)).extracting(Turn::jobId).containsExactly("b", "c", "d");
        assertThat(History.trim(earlier, 59)).extracting(Turn::jobId).containsExactly("c", "d");
        assertThat(History.trim(earlier, 19)).isEmpty();
    }

    @Test
    void trim_leavesOutTurnsThatDidNotSucceed_andStopsAtTheFirstThatDoesNotFit() {
        List<Turn> earlier = List.of(ok("a", 4), ok("big", 400), turn("f", "failed", null, Turn.FAILED, null),
                turn("q", "queued", null, Turn.QUEUED, null), ok("c", 4));
        // "big" (200 tokens) does not fit: "a", older and small, is not sent around the gap.
        assertThat(History.trim(earlier, 50)).extracting(Turn::jobId).containsExactly("c");
    }

    @Test
    void system_isTheTurnsOwn_orTheLatestEarlierOne_neverTrimmed() {
        List<Turn> earlier = List.of(turn("a", "t", "r", Turn.SUCCEEDED, "first"),
                turn("b", "t", "r", Turn.SUCCEEDED, "second"), turn("c", "t", "r", Turn.SUCCEEDED, null));
        assertThat(History.system(earlier, null)).isEqualTo("second");
        assertThat(History.system(earlier, "mine")).isEqualTo("mine");
        assertThat(History.system(List.of(), null)).isNull();
    }
}
