package dev.ebb.local.fault;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client's side of the count, as in Jepsen's total-queue checker: every submit and what came of it, keyed by
 * the client's own job number (its idempotency key), and every job's first terminal state as the client saw it.
 */
final class Ledger {

    /** One job as the client knows it. Fields are written by one thread at a time (submitter, then poller). */
    static final class Entry {
        final int number;
        final String idempotencyKey;
        final String expectedText;
        final boolean poison;
        volatile String jobId;
        volatile boolean accepted;
        volatile int submitFailures;
        volatile long acceptedAtNanos;
        volatile Terminal first;
        volatile Terminal last;

        Entry(int number, String idempotencyKey, String expectedText, boolean poison) {
            this.number = number;
            this.idempotencyKey = idempotencyKey;
            this.expectedText = expectedText;
            this.poison = poison;
        }
    }

    /** A terminal state as read from the API. */
    record Terminal(String status, String resultText, String errorCode, String errorMessage, String finishedAt,
                    int attempts, long totalMs) {
        static Terminal of(JsonNode job) {
            return new Terminal(job.path("status").asText(), job.path("result").path("text").asText(null),
                    job.path("error").path("code").asText(null), job.path("error").path("message").asText(null),
                    job.path("timings").path("finishedAt").asText(null), job.path("attempts").asInt(),
                    job.path("timings").path("totalMs").asLong());
        }

        /** The same visible outcome (attempts may still rise while a late copy of the message is refused). */
        boolean sameOutcome(Terminal other) {
            return status.equals(other.status) && java.util.Objects.equals(resultText, other.resultText)
                    && java.util.Objects.equals(errorCode, other.errorCode)
                    && java.util.Objects.equals(finishedAt, other.finishedAt);
        }
    }

    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();

    Entry add(int number, String idempotencyKey, String expectedText, boolean poison) {
        Entry entry = new Entry(number, idempotencyKey, expectedText, poison);
        entries.put(number, entry);
        return entry;
    }

    List<Entry> all() {
        List<Entry> all = new ArrayList<>(entries.values());
        all.sort(java.util.Comparator.comparingInt(e -> e.number));
        return all;
    }
}
