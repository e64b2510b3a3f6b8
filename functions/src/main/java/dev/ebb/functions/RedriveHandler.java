package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.ebb.core.run.DeadLetters;
import dev.ebb.core.task.Lane;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Direct invoke {@code {"lane":"gpu"|"cpu","max":N}}: queues up to N dead-lettered jobs of the lane again (default
 * 1000, at most 10000). Idempotent: a redrive that stopped halfway is finished by invoking it again. Answers
 * {@code {"lane":…,"redriven":…,"skipped":…,"more":…}}, or {@code {"error":{"code":"invalid_request",…}}}.
 */
public final class RedriveHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    static final int DEFAULT_MAX = 1000;
    static final int LIMIT = 10_000;

    private final DeadLetters deadLetters;

    public RedriveHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    public RedriveHandler(DependencyFactory factory) {
        this(factory.deadLetters());
    }

    RedriveHandler(DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> request, Context context) {
        Object laneValue = request == null ? null : request.get("lane");
        Object maxValue = request == null ? null : request.get("max");
        Lane lane;
        try {
            lane = Lane.fromId(String.valueOf(laneValue));
        } catch (IllegalArgumentException e) {
            return error("'lane' must be \"gpu\" or \"cpu\"");
        }
        int max = DEFAULT_MAX;
        if (maxValue != null) {
            if (!(maxValue instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())
                    || number.longValue() < 1 || number.longValue() > LIMIT) {
                return error("'max' must be a whole number from 1 to " + LIMIT);
            }
            max = number.intValue();
        }
        DeadLetters.RedriveReport report = deadLetters.redrive(lane, max);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("lane", report.lane().id());
        answer.put("redriven", report.redriven());
        answer.put("skipped", report.skipped());
        answer.put("more", report.more());
        return answer;
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", Map.of("code", "invalid_request", "message", message));
    }
}
