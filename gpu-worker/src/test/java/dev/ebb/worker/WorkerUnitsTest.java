package dev.ebb.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.embed.ClassifySpec;
import dev.ebb.core.task.embed.EmbedSettings;
import dev.ebb.core.task.embed.EmbedSpec;
import dev.ebb.core.task.math.MathTask;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class WorkerUnitsTest {
    private final ToIntFunction<QueueMessage> units = WorkerMain.units(TaskRegistry.of(new MathTask(),
            new EmbedSpec(EmbedSettings.DEFAULTS), new ClassifySpec(EmbedSettings.DEFAULTS)));

    private static QueueMessage message(String body) {
        return new QueueMessage("m", "r", body, 1);
    }

    @Test
    void units_whenAnEmbedListOfTwentyTexts_countsTwenty() {
        StringBuilder texts = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            texts.append(i == 0 ? "" : ",").append("\"text ").append(i).append('"');
        }
        String body = "{\"v\":1,\"jobId\":\"j\",\"tenant\":\"t\",\"task\":\"embed\",\"input\":{\"texts\":[" + texts + "]}}";

        assertThat(units.applyAsInt(message(body))).isEqualTo(20);
    }

    @Test
    void units_whenOneTextOrMathOrUnreadable_countsOne() {
        assertThat(units.applyAsInt(message(
                "{\"v\":1,\"jobId\":\"j\",\"tenant\":\"t\",\"task\":\"embed\",\"input\":{\"text\":\"a\"}}"))).isEqualTo(1);
        assertThat(units.applyAsInt(message(
                "{\"v\":1,\"jobId\":\"j\",\"tenant\":\"t\",\"task\":\"math\",\"input\":{\"text\":\"1 plus 1\"}}"))).isEqualTo(1);
        assertThat(units.applyAsInt(message("not json"))).isEqualTo(1);
    }

    @Test
    void units_whenClassify_countsTheTextAndEachExample() {
        String body = "{\"v\":1,\"jobId\":\"j\",\"tenant\":\"t\",\"task\":\"classify\",\"input\":{\"text\":\"x\","
                + "\"labels\":[{\"label\":\"a\",\"examples\":[\"1\",\"2\"]},{\"label\":\"b\"}]}}";

        assertThat(units.applyAsInt(message(body))).isEqualTo(4);
    }
}
