package dev.ebb.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.config.Deployment;
import dev.ebb.core.task.chat.Usage;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** Sessions on the DynamoDB-compatible test server: order, ownership, TTL, ending, usage counted once. */
class DynamoDbSessionStoreTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();
    private static final String TABLE = "sessions-test";
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration TTL = Duration.ofHours(1);
    private final DynamoDbSessionStore store = new DynamoDbSessionStore(DYNAMO_DB, TABLE);

    @BeforeEach
    void freshTable() {
        try {
            DYNAMO_DB.deleteTable(r -> r.tableName(TABLE));
            DYNAMO_DB.waiter().waitUntilTableNotExists(r -> r.tableName(TABLE));
        } catch (ResourceNotFoundException e) {
            // first run
        }
        DYNAMO_DB.createTable(r -> r.tableName(TABLE).billingMode("PAY_PER_REQUEST")
                .attributeDefinitions(a -> a.attributeName(Deployment.SESSIONS.hashKey()).attributeType("S"))
                .keySchema(k -> k.attributeName(Deployment.SESSIONS.hashKey()).keyType("HASH")));
        DYNAMO_DB.waiter().waitUntilTableExists(r -> r.tableName(TABLE));
    }

    @Test
    void turns_keepTheirOrder_andARepeatedAddIsPresentNotDoubled() {
        store.open("t1", "s", T0, T0.plus(TTL));
        assertThat(store.addTurn("t1", "s", Turn.queued("j1", "one", "be brief", T0), T0, T0.plus(TTL)))
                .isEqualTo(SessionStore.Added.ADDED);
        assertThat(store.addTurn("t1", "s", Turn.queued("j2", "two", null, T0), T0, T0.plus(TTL)))
                .isEqualTo(SessionStore.Added.ADDED);
        assertThat(store.addTurn("t1", "s", Turn.queued("j1", "one", null, T0), T0, T0.plus(TTL)))
                .isEqualTo(SessionStore.Added.PRESENT);

        Session session = store.find("t1", "s", T0).orElseThrow();
        assertThat(session.turns()).extracting(Turn::jobId).containsExactly("j1", "j2");
        assertThat(session.turns().getFirst().system()).isEqualTo("be brief");
        assertThat(session.before("j2")).extracting(Turn::jobId).containsExactly("j1");
    }

    @Test
    void aSessionBelongsToItsTenant_theSameIdIsAnotherSessionForAnother() {
        store.open("t1", "s", T0, T0.plus(TTL));
        store.addTurn("t1", "s", Turn.queued("j1", "mine", null, T0), T0, T0.plus(TTL));

        assertThat(store.find("t2", "s", T0)).isEmpty();
        assertThat(store.end("t2", "s", T0)).isFalse();
        assertThat(store.addTurn("t2", "s", Turn.queued("j9", "theirs", null, T0), T0, T0.plus(TTL)))
                .isEqualTo(SessionStore.Added.GONE);
        assertThat(store.find("t1", "s", T0).orElseThrow().turns()).extracting(Turn::text).containsExactly("mine");
    }

    @Test
    void everyTurnMovesTheExpiry_anExpiredSessionReadsAsGoneAndStartsOverWhenOpened() {
        store.open("t1", "s", T0, T0.plus(TTL));
        Instant later = T0.plus(Duration.ofMinutes(50));
        store.addTurn("t1", "s", Turn.queued("j1", "one", null, later), later, later.plus(TTL));
        assertThat(store.find("t1", "s", T0.plus(Duration.ofMinutes(70)))).as("TTL refreshed by the turn").isPresent();

        Instant expired = later.plus(TTL).plusSeconds(1);
        assertThat(store.find("t1", "s", expired)).isEmpty();
        assertThat(store.addTurn("t1", "s", Turn.queued("j2", "two", null, expired), expired, expired.plus(TTL)))
                .isEqualTo(SessionStore.Added.GONE);
        store.open("t1", "s", expired, expired.plus(TTL));
        assertThat(store.find("t1", "s", expired).orElseThrow().turns()).as("a new, empty session").isEmpty();
    }

    @Test
    void finishTurn_recordsTheReplyAndCountsUsageOnce() {
        store.open("t1", "s", T0, T0.plus(TTL));
        store.addTurn("t1", "s", Turn.queued("j1", "hi", null, T0), T0, T0.plus(TTL));
        Turn done = new Turn("j1", "hi", null, Turn.SUCCEEDED, T0, "m", "hello", null, null,
                new Usage(10, 5, 3, 0), 0.25);

        assertThat(store.finishTurn("t1", "s", done, T0, T0.plus(TTL))).isTrue();
        assertThat(store.finishTurn("t1", "s", done, T0, T0.plus(TTL))).as("a redelivery").isFalse();

        Session session = store.find("t1", "s", T0).orElseThrow();
        assertThat(session.turns().getFirst().reply()).isEqualTo("hello");
        assertThat(session.turns().getFirst().usage()).isEqualTo(new Usage(10, 5, 3, 0));
        assertThat(session.usage()).isEqualTo(new Usage(10, 5, 3, 0));
        assertThat(session.costUsd()).isEqualTo(0.25);
    }

    @Test
    void end_removesTheSession_soItsQueuedTurnsFindItGone() {
        store.open("t1", "s", T0, T0.plus(TTL));
        assertThat(store.end("t1", "s", T0)).isTrue();
        assertThat(store.find("t1", "s", T0)).isEmpty();
        assertThat(store.end("t1", "s", T0)).isFalse();
    }

    @Test
    void aFullSessionRefusesAnotherTurn() {
        store.open("t1", "s", T0, T0.plus(TTL));
        for (int i = 0; i < SessionStore.MAX_TURNS; i++) {
            assertThat(store.addTurn("t1", "s", Turn.queued("j" + i, "m", null, T0), T0, T0.plus(TTL)))
                    .isEqualTo(SessionStore.Added.ADDED);
        }
        assertThat(store.addTurn("t1", "s", Turn.queued("jx", "m", null, T0), T0, T0.plus(TTL)))
                .isEqualTo(SessionStore.Added.FULL);
    }
}
