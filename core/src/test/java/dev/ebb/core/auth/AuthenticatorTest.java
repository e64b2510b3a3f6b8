package dev.ebb.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebb.core.testing.Tables;
import dev.ebb.core.testing.TestDynamoDb;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Unknown keys are remembered as unknown for a short while: a flood of bogus keys costs no table read each. */
class AuthenticatorTest {
    private static final DynamoDbClient DYNAMO_DB = TestDynamoDb.client();

    /** The real keys table, counting the lookups that reach it. */
    private static final class CountingKeys implements ApiKeyStore {
        final DynamoDbApiKeyStore store;
        final AtomicInteger lookups = new AtomicInteger();

        CountingKeys(DynamoDbApiKeyStore store) {
            this.store = store;
        }

        @Override
        public String create(String tenant) {
            return store.create(tenant);
        }

        @Override
        public Optional<String> tenantOf(String key) {
            lookups.incrementAndGet();
            return store.tenantOf(key);
        }

        @Override
        public boolean revoke(String key) {
            return store.revoke(key);
        }

        @Override
        public boolean tenantExists(String tenant) {
            return store.tenantExists(tenant);
        }

        @Override
        public void registerTenant(String tenant) {
            store.registerTenant(tenant);
        }
    }

    @Test
    void anUnknownKey_isLookedUpOncePerPeriod_andAKnownOneStillWorks() {
        Tables.recreate(DYNAMO_DB, "auth-keys", "keyHash");
        CountingKeys keys = new CountingKeys(new DynamoDbApiKeyStore(DYNAMO_DB, "auth-keys", Clock.systemUTC()));
        AtomicLong nanos = new AtomicLong();
        Authenticator auth = new Authenticator(keys, Duration.ofSeconds(30), Duration.ofSeconds(5), nanos::get);
        String bogus = ApiKeys.newKey();
        Map<String, String> headers = Map.of("Authorization", "Bearer " + bogus);

        for (int i = 0; i < 100; i++) {
            assertThat(auth.authenticate(headers)).isEmpty();
        }
        assertThat(keys.lookups.get()).as("one read for a hundred tries").isEqualTo(1);

        nanos.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(auth.authenticate(headers)).isEmpty();
        assertThat(keys.lookups.get()).as("read again once the period is over").isEqualTo(2);

        String real = keys.create("acme");
        assertThat(auth.authenticate(Map.of("x-api-key", real))).contains("acme");
    }

    @Test
    void withoutANegativePeriod_everyUnknownKeyIsLookedUp() {
        Tables.recreate(DYNAMO_DB, "auth-keys", "keyHash");
        CountingKeys keys = new CountingKeys(new DynamoDbApiKeyStore(DYNAMO_DB, "auth-keys", Clock.systemUTC()));
        Authenticator auth = new Authenticator(keys, Duration.ofSeconds(30));
        Map<String, String> headers = Map.of("Authorization", "Bearer " + ApiKeys.newKey());
        auth.authenticate(headers);
        auth.authenticate(headers);
        assertThat(keys.lookups.get()).isEqualTo(2);
    }
}
