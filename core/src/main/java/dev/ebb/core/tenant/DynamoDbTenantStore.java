package dev.ebb.core.tenant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ebb.core.task.Lane;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The tenants table. One item per tenant under its name (tenant names are {@code [a-z0-9][a-z0-9_-]*}), the
 * service's switch under {@code *}, each lane's completion counter under {@code lane#<lane>}. Every change is one
 * conditional {@code UpdateItem}, so concurrent processes share one bucket and one budget:
 * <ul>
 * <li>rate limit: a token bucket in its GCRA form — one number, {@code tat}, the time (epoch ms) at which the bucket
 * is full again. A request is allowed while {@code tat <= now + (burst - 1) / rate}, and moves {@code tat} on by
 * {@code 1 / rate} (from {@code now}, after an idle spell);</li>
 * <li>budget: {@code reserved} and {@code spent}, and {@code available} = budget − spent − reserved kept by the same
 * updates, so that a reservation's condition ({@code available >= amount}) needs no arithmetic in the condition,
 * which DynamoDB does not allow.</li>
 * </ul>
 * A submit's token and reservation are one write ({@link #charge}): both conditions in one {@code UpdateItem}.
 */
public final class DynamoDbTenantStore implements TenantStore {
    static final String KEY = "tenant";
    static final String SERVICE = "*";
    static final String DISABLED = "disabled";
    static final String RATE = "ratePerSecond";
    static final String BURST = "burst";
    static final String BUDGET = "budget";
    static final String SPENT = "spent";
    static final String RESERVED = "reserved";
    static final String AVAILABLE = "available";
    static final String TAT = "tat";
    static final String CACHE_HITS = "cacheHits";
    static final String SAVED_MS = "savedMs";
    static final String SEMANTIC_HITS = "semanticHits";
    static final String SEMANTIC_CHECKED = "semanticChecked";
    static final String SEMANTIC_FALSE_HITS = "semanticFalseHits";
    static final String COMPLETED = "completed";
    private static final int ATTEMPTS = 5;
    /**
     * Writes of one charge at most: a guess of the bucket's state, the right form, and one more where another
     * request moved the bucket in between (what {@code Deployment.SUBMIT_SEQUENTIAL_CALLS} counts).
     */
    public static final int CHARGE_ATTEMPTS = 3;

    private final DynamoDbClient dynamoDb;
    private final String table;
    /** The bucket's {@code tat} by tenant as this process last saw it: a hint, never a decision. */
    private final Cache<String, Double> lastTat = Caffeine.newBuilder().maximumSize(100_000).build();

    public DynamoDbTenantStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public TenantState state(String tenant) {
        Map<String, AttributeValue> item = read(tenant);
        if (item == null || item.isEmpty()) {
            return TenantState.empty(tenant);
        }
        remember(tenant, item);
        return new TenantState(tenant, policyOf(item), number(item, SPENT), number(item, RESERVED),
                number(item, AVAILABLE), (long) number(item, CACHE_HITS), (long) number(item, SAVED_MS),
                new SemanticCounts((long) number(item, SEMANTIC_HITS), (long) number(item, SEMANTIC_CHECKED),
                        (long) number(item, SEMANTIC_FALSE_HITS)));
    }

    @Override
    public boolean serviceDisabled() {
        Map<String, AttributeValue> item = read(SERVICE);
        return item != null && item.containsKey(DISABLED) && Boolean.TRUE.equals(item.get(DISABLED).bool());
    }

    @Override
    public void setServiceDisabled(boolean disabled) {
        dynamoDb.updateItem(r -> r.tableName(table).key(key(SERVICE))
                .updateExpression("SET #d = :d").expressionAttributeNames(Map.of("#d", DISABLED))
                .expressionAttributeValues(Map.of(":d", AttributeValue.fromBool(disabled))));
    }

    @Override
    public TenantState setPolicy(String tenant, TenantPolicy policy) {
        policy.check();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Map<String, AttributeValue> item = read(tenant);
            Map<String, AttributeValue> old = item == null ? Map.of() : item;
            double spent = number(old, SPENT);
            double reserved = number(old, RESERVED);
            double available = (policy.budget() == null ? 0 : policy.budget()) - spent - reserved;
            Map<String, String> names = new HashMap<>(Map.of("#d", DISABLED, "#a", AVAILABLE, "#s", SPENT,
                    "#r", RESERVED, "#rate", RATE, "#burst", BURST, "#budget", BUDGET));
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":d", AttributeValue.fromBool(policy.disabled()));
            values.put(":a", n(available));
            StringBuilder set = new StringBuilder("SET #d = :d, #a = :a");
            StringBuilder remove = new StringBuilder();
            setOrRemove(set, remove, values, "#rate", ":rate", policy.ratePerSecond());
            setOrRemove(set, remove, values, "#burst", ":burst",
                    policy.burst() == null ? null : policy.burst().doubleValue());
            setOrRemove(set, remove, values, "#budget", ":budget", policy.budget());
            // Unchanged counters since the read: a reservation or settlement in between retries the whole update.
            String condition = unchanged("#s", ":s", old.containsKey(SPENT), spent, values) + " AND "
                    + unchanged("#r", ":r", old.containsKey(RESERVED), reserved, values);
            String update = set + (remove.isEmpty() ? "" : " REMOVE " + remove);
            try {
                dynamoDb.updateItem(r -> r.tableName(table).key(key(tenant)).updateExpression(update)
                        .conditionExpression(condition).expressionAttributeNames(names)
                        .expressionAttributeValues(values));
                return state(tenant);
            } catch (ConditionalCheckFailedException e) {
                // moved meanwhile: read again
            }
        }
        throw new IllegalStateException("tenant " + tenant + " is too busy to change its policy now; try again");
    }

    private static void setOrRemove(StringBuilder set, StringBuilder remove, Map<String, AttributeValue> values,
                                    String name, String placeholder, Double value) {
        if (value == null) {
            remove.append(remove.isEmpty() ? "" : ", ").append(name);
        } else {
            set.append(", ").append(name).append(" = ").append(placeholder);
            values.put(placeholder, n(value));
        }
    }

    private static String unchanged(String name, String placeholder, boolean present, double value,
                                    Map<String, AttributeValue> values) {
        if (!present) {
            return "attribute_not_exists(" + name + ")";
        }
        values.put(placeholder, n(value));
        return name + " = " + placeholder;
    }

    /**
     * One {@code UpdateItem} whose update and condition are the token's and the reservation's together:
     * <pre>
     * SET tat = tat + :i        IF tat BETWEEN :now AND :max                    (a busy bucket)
     * SET tat = :now + :i       IF attribute_not_exists(tat) OR tat < :now       (an idle one: full again)
     * ADD reserved :a, available :-a   IF attribute_not_exists(budget) OR available >= :a
     * </pre>
     * DynamoDB cannot take the larger of {@code tat} and {@code now}, so the bucket's two states need two forms of
     * the write; this process guesses which from the {@code tat} it last saw (its own writes, the tenant's item as
     * last read). A refusal returns the item as it was ({@code ReturnValuesOnConditionCheckFailure=ALL_OLD}), which
     * says which condition failed — the rate (429), the budget (402) — or that the guess was wrong, and the second
     * write is then the right form. A third is made only when another request moved the bucket between the two;
     * past that, the request is answered as rate limited, for one interval.
     */
    @Override
    public ChargeDecision charge(String tenant, TenantCharge charge, Instant now) {
        double nowMs = now.toEpochMilli();
        double interval = charge.takesToken() ? 1000.0 / charge.ratePerSecond() : 0;
        double max = nowMs + (charge.burst() - 1) * interval;
        Double seen = lastTat.getIfPresent(tenant);
        boolean idle = seen == null || seen < nowMs;
        for (int attempt = 0; attempt < CHARGE_ATTEMPTS; attempt++) {
            Map<String, String> names = new HashMap<>();
            Map<String, AttributeValue> values = new HashMap<>();
            List<String> conditions = new ArrayList<>();
            StringBuilder update = new StringBuilder();
            if (charge.takesToken()) {
                names.put("#t", TAT);
                values.put(":now", n(nowMs));
                if (idle) {
                    update.append("SET #t = :next");
                    values.put(":next", n(nowMs + interval));
                    conditions.add("(attribute_not_exists(#t) OR #t < :now)");
                } else {
                    update.append("SET #t = #t + :i");
                    values.put(":i", n(interval));
                    values.put(":max", n(max));
                    conditions.add("#t BETWEEN :now AND :max");
                }
            }
            if (charge.reserves()) {
                names.putAll(Map.of("#r", RESERVED, "#av", AVAILABLE, "#b", BUDGET));
                values.put(":a", n(charge.reserve()));
                values.put(":neg", n(-charge.reserve()));
                update.append(update.isEmpty() ? "" : " ").append("ADD #r :a, #av :neg");
                conditions.add("(attribute_not_exists(#b) OR #av >= :a)");
            }
            try {
                Map<String, AttributeValue> written = dynamoDb.updateItem(r -> r.tableName(table).key(key(tenant))
                        .updateExpression(update.toString())
                        .conditionExpression(String.join(" AND ", conditions))
                        .expressionAttributeNames(names).expressionAttributeValues(values)
                        .returnValues(ReturnValue.UPDATED_NEW)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD))
                        .attributes();
                remember(tenant, written);
                return new ChargeDecision.Charged();
            } catch (ConditionalCheckFailedException e) {
                // No item came back where there is none (a tenant never written); a server that does not return it
                // is asked once.
                Map<String, AttributeValue> item = e.hasItem() ? e.item() : read(tenant);
                Map<String, AttributeValue> old = item == null ? Map.of() : item;
                remember(tenant, old);
                Double tat = old.containsKey(TAT) ? Double.valueOf(old.get(TAT).n()) : null;
                if (charge.takesToken() && tat != null && tat > max) {
                    return new ChargeDecision.RateLimited(Math.max(1, (long) Math.ceil((tat - max) / 1000.0)));
                }
                if (charge.reserves() && old.containsKey(BUDGET) && number(old, AVAILABLE) < charge.reserve()) {
                    return new ChargeDecision.OverBudget();
                }
                idle = tat == null || tat < nowMs; // the bucket was in the other state: the next write is its form
            }
        }
        return charge.takesToken() ? new ChargeDecision.RateLimited(Math.max(1, (long) Math.ceil(interval / 1000.0)))
                : new ChargeDecision.OverBudget();
    }

    /** Notes the bucket's {@code tat} an item shows, for the next charge's guess of the bucket's state. */
    private void remember(String tenant, Map<String, AttributeValue> item) {
        if (item != null && item.containsKey(TAT) && item.get(TAT).n() != null) {
            lastTat.put(tenant, Double.valueOf(item.get(TAT).n()));
        }
    }

    @Override
    public boolean settle(String tenant, double reserved, double charged) {
        try {
            // Never below zero: a reservation that was not made (a job accepted before its deployment reserved
            // budgets) is not released a second time from other jobs' reservations.
            // Nothing reserved (a spend charged alone): no condition, the reservation counter is left as it is.
            dynamoDb.updateItem(r -> r.tableName(table).key(key(tenant))
                    .updateExpression("ADD #r :r, #s :c, #av :back")
                    .conditionExpression(reserved > 0 ? "#r >= :min" : "attribute_not_exists(#r) OR #r >= :min")
                    .expressionAttributeNames(Map.of("#r", RESERVED, "#s", SPENT, "#av", AVAILABLE))
                    .expressionAttributeValues(Map.of(":r", n(-reserved), ":c", n(charged), ":back",
                            n(reserved - charged), ":min", n(reserved - 1e-6))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            org.slf4j.LoggerFactory.getLogger(DynamoDbTenantStore.class).warn(
                    "tenant={} has less than {} reserved; nothing settled", tenant, reserved);
            return false;
        }
    }

    @Override
    public void recordCacheHits(String tenant, long hits, long savedMs) {
        dynamoDb.updateItem(r -> r.tableName(table).key(key(tenant))
                .updateExpression("ADD #h :h, #ms :ms")
                .expressionAttributeNames(Map.of("#h", CACHE_HITS, "#ms", SAVED_MS))
                .expressionAttributeValues(Map.of(":h", n(hits), ":ms", n(savedMs))));
    }

    @Override
    public void recordSemantic(String tenant, SemanticCounts counts) {
        dynamoDb.updateItem(r -> r.tableName(table).key(key(tenant))
                .updateExpression("ADD #h :h, #c :c, #f :f")
                .expressionAttributeNames(Map.of("#h", SEMANTIC_HITS, "#c", SEMANTIC_CHECKED,
                        "#f", SEMANTIC_FALSE_HITS))
                .expressionAttributeValues(Map.of(":h", n(counts.hits()), ":c", n(counts.checked()),
                        ":f", n(counts.falseHits()))));
    }

    @Override
    public void addCompleted(Lane lane, long jobs) {
        dynamoDb.updateItem(r -> r.tableName(table).key(key(laneKey(lane)))
                .updateExpression("ADD #c :n").expressionAttributeNames(Map.of("#c", COMPLETED))
                .expressionAttributeValues(Map.of(":n", n(jobs))));
    }

    @Override
    public long completed(Lane lane) {
        Map<String, AttributeValue> item = read(laneKey(lane));
        return item == null ? 0 : (long) number(item, COMPLETED);
    }

    static String laneKey(Lane lane) {
        return "lane#" + lane.id();
    }

    private Map<String, AttributeValue> read(String key) {
        return dynamoDb.getItem(r -> r.tableName(table).key(key(key)).consistentRead(true)).item();
    }

    private static TenantPolicy policyOf(Map<String, AttributeValue> item) {
        boolean disabled = item.containsKey(DISABLED) && Boolean.TRUE.equals(item.get(DISABLED).bool());
        Double rate = item.containsKey(RATE) ? number(item, RATE) : null;
        Integer burst = item.containsKey(BURST) ? (int) number(item, BURST) : null;
        Double budget = item.containsKey(BUDGET) ? number(item, BUDGET) : null;
        return new TenantPolicy(disabled, rate, burst, budget);
    }

    private static Map<String, AttributeValue> key(String value) {
        return Map.of(KEY, AttributeValue.fromS(value));
    }

    private static double number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? 0 : Double.parseDouble(value.n());
    }

    private static AttributeValue n(double value) {
        return AttributeValue.fromN(BigDecimal.valueOf(value).stripTrailingZeros().toPlainString());
    }
}
