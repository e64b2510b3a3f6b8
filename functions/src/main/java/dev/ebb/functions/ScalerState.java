package dev.ebb.functions;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What the scaler function remembers between invocations, one small item per lane in the jobs table under the key
 * {@code scaler#<lane>} (no job id can take that key: job ids are {@code j_} + base32, and the API refuses any
 * other id before it reads the table): since when demand has been below the running workers (the policy's
 * cool-down), whether the last decision was settled (no worker starting, none asked for: the policy's saturation
 * rule needs it), and how many workers ran at the last look (read by the submit function to decide whether to wake
 * the scaler). The item expires a day after the last write, like any item, so a removed lane leaves nothing.
 */
final class ScalerState {
    static final String KEY_PREFIX = "scaler#";
    private static final long TTL_SECONDS = 24 * 3600;

    /**
     * @param lowSince null when not low
     * @param settled  the policy's {@code Decision.settled()}: no worker was starting and none was asked for
     */
    record State(Instant lowSince, int running, int desired, boolean settled, Instant updatedAt) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;

    ScalerState(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    static Map<String, AttributeValue> key(String lane) {
        return Map.of("jobId", AttributeValue.fromS(KEY_PREFIX + lane));
    }

    Optional<State> read(String lane, boolean consistent) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).key(key(lane))
                .consistentRead(consistent)).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        AttributeValue low = item.get("lowSince");
        return Optional.of(new State(
                low == null ? null : Instant.ofEpochMilli(Long.parseLong(low.n())),
                Integer.parseInt(item.getOrDefault("running", AttributeValue.fromN("0")).n()),
                Integer.parseInt(item.getOrDefault("desired", AttributeValue.fromN("0")).n()),
                // An item written before this attribute existed reads as settled, which is how it was decided then.
                item.getOrDefault("settled", AttributeValue.fromBool(true)).bool(),
                Instant.ofEpochMilli(Long.parseLong(item.getOrDefault("updatedAt", AttributeValue.fromN("0")).n()))));
    }

    void write(String lane, State state) {
        Map<String, AttributeValue> item = new HashMap<>(key(lane));
        if (state.lowSince() != null) {
            item.put("lowSince", AttributeValue.fromN(Long.toString(state.lowSince().toEpochMilli())));
        }
        item.put("running", AttributeValue.fromN(Integer.toString(state.running())));
        item.put("desired", AttributeValue.fromN(Integer.toString(state.desired())));
        item.put("settled", AttributeValue.fromBool(state.settled()));
        item.put("updatedAt", AttributeValue.fromN(Long.toString(state.updatedAt().toEpochMilli())));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(state.updatedAt().getEpochSecond() + TTL_SECONDS)));
        dynamoDb.putItem(r -> r.tableName(table).item(item));
    }
}
