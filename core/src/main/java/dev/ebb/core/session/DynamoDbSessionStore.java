package dev.ebb.core.session;

import dev.ebb.core.task.chat.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * {@link SessionStore} on the sessions table: one item per session, keyed {@code sessionKey} =
 * {@code <tenant>/<session id>}, with {@code turnIds} (the order), {@code turns} (a map by job id), the totals, and
 * {@code expiresAt} (epoch seconds, the table's TTL) moved forward by every write. Every write is one conditional
 * {@code UpdateItem}; a turn is finished at most once (conditional on it being QUEUED), so a redelivered job does
 * not count its usage twice.
 */
public final class DynamoDbSessionStore implements SessionStore {
    static final String KEY = "sessionKey";
    private static final String TURN_IDS = "turnIds";
    private static final String TURNS = "turns";
    private static final String EXPIRES_AT = "expiresAt";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbSessionStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    static String key(String tenant, String sessionId) {
        return tenant + "/" + sessionId;
    }

    private static Map<String, AttributeValue> keyOf(String tenant, String sessionId) {
        return Map.of(KEY, s(key(tenant, sessionId)));
    }

    @Override
    public void open(String tenant, String sessionId, Instant now, Instant expiresAt) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(keyOf(tenant, sessionId))
                    .updateExpression("SET tenant = :t, sessionId = :s, createdAt = if_not_exists(createdAt, :now),"
                            + " updatedAt = :now, expiresAt = :exp, turns = if_not_exists(turns, :m0),"
                            + " turnIds = if_not_exists(turnIds, :l0)")
                    .conditionExpression("attribute_not_exists(sessionKey) OR expiresAt > :nowSec")
                    .expressionAttributeValues(Map.of(":t", s(tenant), ":s", s(sessionId), ":now", millis(now),
                            ":exp", seconds(expiresAt), ":m0", AttributeValue.fromM(Map.of()),
                            ":l0", AttributeValue.fromL(List.of()), ":nowSec", seconds(now))));
        } catch (ConditionalCheckFailedException expired) {
            // Expired but not yet deleted by TTL: a message to it starts a new, empty session.
            Map<String, AttributeValue> item = new HashMap<>(keyOf(tenant, sessionId));
            item.put("tenant", s(tenant));
            item.put("sessionId", s(sessionId));
            item.put("createdAt", millis(now));
            item.put("updatedAt", millis(now));
            item.put(EXPIRES_AT, seconds(expiresAt));
            item.put(TURNS, AttributeValue.fromM(Map.of()));
            item.put(TURN_IDS, AttributeValue.fromL(List.of()));
            try {
                dynamoDb.putItem(r -> r.tableName(table).item(item)
                        .conditionExpression("attribute_not_exists(sessionKey) OR expiresAt <= :nowSec")
                        .expressionAttributeValues(Map.of(":nowSec", seconds(now))));
            } catch (ConditionalCheckFailedException raced) {
                // Another request opened it first: it is live now, which is all this call promises.
            }
        }
    }

    @Override
    public Added addTurn(String tenant, String sessionId, Turn turn, Instant now, Instant expiresAt) {
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(keyOf(tenant, sessionId))
                    .updateExpression("SET turns.#j = :turn, turnIds = list_append(turnIds, :jl), updatedAt = :now,"
                            + " expiresAt = :exp")
                    .conditionExpression("attribute_exists(sessionKey) AND expiresAt > :nowSec"
                            + " AND attribute_not_exists(turns.#j) AND size(turnIds) < :max")
                    .expressionAttributeNames(Map.of("#j", turn.jobId()))
                    .expressionAttributeValues(Map.of(":turn", turnItem(turn),
                            ":jl", AttributeValue.fromL(List.of(s(turn.jobId()))), ":now", millis(now),
                            ":exp", seconds(expiresAt), ":nowSec", seconds(now), ":max", n(MAX_TURNS)))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return Added.ADDED;
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> old = e.hasItem() ? e.item() : Map.of();
            if (old.isEmpty() || !old.containsKey(EXPIRES_AT)
                    || Long.parseLong(old.get(EXPIRES_AT).n()) <= now.getEpochSecond()) {
                return Added.GONE;
            }
            if (old.containsKey(TURNS) && old.get(TURNS).m().containsKey(turn.jobId())) {
                return Added.PRESENT;
            }
            return Added.FULL;
        }
    }

    @Override
    public Optional<Session> find(String tenant, String sessionId, Instant now) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).key(keyOf(tenant, sessionId))
                .consistentRead(true)).item();
        if (item == null || item.isEmpty() || !item.containsKey(EXPIRES_AT)
                || Long.parseLong(item.get(EXPIRES_AT).n()) <= now.getEpochSecond()
                || !tenant.equals(str(item, "tenant"))) {
            return Optional.empty();
        }
        Map<String, AttributeValue> turns = item.containsKey(TURNS) ? item.get(TURNS).m() : Map.of();
        List<Turn> ordered = new ArrayList<>();
        for (AttributeValue id : item.containsKey(TURN_IDS) ? item.get(TURN_IDS).l() : List.<AttributeValue>of()) {
            AttributeValue turn = turns.get(id.s());
            if (turn != null) {
                ordered.add(turn(id.s(), turn.m()));
            }
        }
        return Optional.of(new Session(tenant, sessionId, Instant.ofEpochMilli(num(item, "createdAt")),
                Instant.ofEpochMilli(num(item, "updatedAt")), Instant.ofEpochSecond(num(item, EXPIRES_AT)), ordered,
                new Usage(num(item, "inputTokens"), num(item, "outputTokens"), num(item, "cacheReadTokens"),
                        num(item, "cacheWriteTokens")),
                item.containsKey("costUsd") ? Double.parseDouble(item.get("costUsd").n()) : 0));
    }

    @Override
    public boolean finishTurn(String tenant, String sessionId, Turn ended, Instant now, Instant expiresAt) {
        Usage usage = ended.usage() == null ? Usage.NONE : ended.usage();
        try {
            dynamoDb.updateItem(r -> r.tableName(table).key(keyOf(tenant, sessionId))
                    .updateExpression("SET turns.#j = :turn, updatedAt = :now, expiresAt = :exp"
                            + " ADD inputTokens :in, outputTokens :out, cacheReadTokens :cr, cacheWriteTokens :cw,"
                            + " costUsd :cost")
                    .conditionExpression("expiresAt > :nowSec AND turns.#j.#status = :queued")
                    .expressionAttributeNames(Map.of("#j", ended.jobId(), "#status", "status"))
                    .expressionAttributeValues(Map.ofEntries(Map.entry(":turn", turnItem(ended)),
                            Map.entry(":now", millis(now)), Map.entry(":exp", seconds(expiresAt)),
                            Map.entry(":nowSec", seconds(now)), Map.entry(":queued", s(Turn.QUEUED)),
                            Map.entry(":in", n(usage.inputTokens())), Map.entry(":out", n(usage.outputTokens())),
                            Map.entry(":cr", n(usage.cacheReadTokens())),
                            Map.entry(":cw", n(usage.cacheWriteTokens())),
                            Map.entry(":cost", AttributeValue.fromN(Double.toString(ended.costUsd()))))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean end(String tenant, String sessionId, Instant now) {
        try {
            dynamoDb.deleteItem(r -> r.tableName(table).key(keyOf(tenant, sessionId))
                    .conditionExpression("attribute_exists(sessionKey) AND expiresAt > :nowSec")
                    .expressionAttributeValues(Map.of(":nowSec", seconds(now))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static AttributeValue turnItem(Turn turn) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("text", s(turn.text()));
        m.put("status", s(turn.status()));
        m.put("at", millis(turn.at()));
        putIf(m, "system", turn.system());
        putIf(m, "model", turn.model());
        putIf(m, "reply", turn.reply());
        putIf(m, "errorCode", turn.errorCode());
        putIf(m, "errorMessage", turn.errorMessage());
        if (turn.usage() != null) {
            m.put("usage", AttributeValue.fromM(Map.of("in", n(turn.usage().inputTokens()),
                    "out", n(turn.usage().outputTokens()), "cr", n(turn.usage().cacheReadTokens()),
                    "cw", n(turn.usage().cacheWriteTokens()))));
            m.put("costUsd", AttributeValue.fromN(Double.toString(turn.costUsd())));
        }
        return AttributeValue.fromM(m);
    }

    private static Turn turn(String jobId, Map<String, AttributeValue> m) {
        Usage usage = null;
        if (m.containsKey("usage")) {
            Map<String, AttributeValue> u = m.get("usage").m();
            usage = new Usage(num(u, "in"), num(u, "out"), num(u, "cr"), num(u, "cw"));
        }
        return new Turn(jobId, str(m, "text"), str(m, "system"), str(m, "status"),
                Instant.ofEpochMilli(num(m, "at")), str(m, "model"), str(m, "reply"), str(m, "errorCode"),
                str(m, "errorMessage"), usage, m.containsKey("costUsd") ? Double.parseDouble(m.get("costUsd").n()) : 0);
    }

    private static void putIf(Map<String, AttributeValue> m, String name, String value) {
        if (value != null) {
            m.put(name, s(value));
        }
    }

    private static String str(Map<String, AttributeValue> m, String name) {
        AttributeValue v = m.get(name);
        return v == null ? null : v.s();
    }

    private static long num(Map<String, AttributeValue> m, String name) {
        AttributeValue v = m.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static AttributeValue millis(Instant at) {
        return n(at.toEpochMilli());
    }

    private static AttributeValue seconds(Instant at) {
        return n(at.getEpochSecond());
    }
}
