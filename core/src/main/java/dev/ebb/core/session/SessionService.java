package dev.ebb.core.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.api.ApiException;
import dev.ebb.core.api.JobService;
import dev.ebb.core.api.SubmitRequest;
import dev.ebb.core.job.Job;
import dev.ebb.core.job.JobIds;
import dev.ebb.core.task.InvalidInputException;
import dev.ebb.core.task.TaskRegistry;
import dev.ebb.core.task.TaskSpec;
import dev.ebb.core.task.chat.ChatSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What the sessions routes do, apart from HTTP. A message becomes a {@code chat} job through the same
 * {@link JobService#submit} (and so every admission step) as {@code POST /v1/jobs}; the session keeps the turn.
 *
 * <p>The turn is in the session <em>before</em> its job is queued (its job id is derived from an idempotency key
 * chosen here, or the client's), so the worker always finds it and a second turn is always after the first. A turn
 * whose submit is refused is marked FAILED with the refusal's code. The body is checked against the chat contract
 * before the session is touched, so bad input leaves nothing behind.
 */
public final class SessionService {
    private static final Logger log = LoggerFactory.getLogger(SessionService.class);
    /** At most 180: with "session:", the session id and a colon it stays within a job's 255-character key. */
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]{1,180}");

    private final JobService jobs;
    private final SessionStore sessions;
    private final TaskSpec chat;
    private final Duration ttl;
    private final int maxBodyBytes;
    private final Clock clock;

    public SessionService(JobService jobs, SessionStore sessions, TaskRegistry tasks, Duration ttl, int maxBodyBytes,
                          Clock clock) {
        this.jobs = Objects.requireNonNull(jobs, "jobs");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.chat = tasks.find(ChatSpec.NAME).orElseThrow(() -> new IllegalStateException("no chat task declared"));
        this.ttl = ttl;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    /**
     * {@code POST /v1/sessions/{id}/messages} {@code {text, system?, maxTokens?, temperature?, model?,
     * idempotencyKey?}}: the turn's job, accepted (202) or, for a replay of a finished one, ended.
     */
    public JobService.Submitted post(String tenant, String sessionId, String body) {
        requireSessionId(sessionId);
        ObjectNode input = parse(body);
        String model = text(input.remove("model"), "model");
        String key = text(input.remove("idempotencyKey"), "idempotencyKey");
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw ApiException.badRequest("invalid_field", "'idempotencyKey' must be 1 to 180 characters of letters,"
                    + " digits and ._:-");
        }
        input.put("session", sessionId);
        JsonNode canonical;
        try {
            chat.checkModel(model);
            canonical = chat.validate(input);
        } catch (InvalidInputException e) {
            throw ApiException.badRequest(e.code(), e.getMessage());
        }
        // The turn's job id is known before the submit: the turn goes into the session first.
        String idempotencyKey = "session:" + sessionId + ":" + (key != null ? key : UUID.randomUUID().toString());
        String jobId = JobIds.fromIdempotencyKey(tenant, idempotencyKey);
        Instant now = clock.instant();
        Turn turn = Turn.queued(jobId, canonical.get("text").textValue(),
                canonical.path("system").isTextual() ? canonical.get("system").textValue() : null, now);
        SessionStore.Added added;
        try {
            sessions.open(tenant, sessionId, now, now.plus(ttl));
            added = sessions.addTurn(tenant, sessionId, turn, now, now.plus(ttl));
            if (added == SessionStore.Added.GONE) { // ended between the two calls: a message starts it again
                sessions.open(tenant, sessionId, now, now.plus(ttl));
                added = sessions.addTurn(tenant, sessionId, turn, now, now.plus(ttl));
            }
        } catch (SdkException e) {
            log.warn("session {} not written: {}", sessionId, e.toString());
            throw ApiException.unavailable("backend_unavailable", "the sessions table is not reachable; retry later",
                    5);
        }
        if (added == SessionStore.Added.FULL) {
            throw new ApiException(409, "session_full", "session " + sessionId + " has " + SessionStore.MAX_TURNS
                    + " turns; start a new session");
        }
        if (added == SessionStore.Added.GONE) {
            throw new ApiException(409, "session_conflict", "session " + sessionId + " was ended while this message"
                    + " was added; send it again");
        }
        try {
            // The default cache mode: the exact cache never answers chat (its answer is not deterministic), and the
            // semantic cache takes a session's first turn only, at the worker, which knows the turn's place.
            return jobs.submit(new SubmitRequest(tenant, ChatSpec.NAME, canonical, model, idempotencyKey, sessionId, 0,
                    SubmitRequest.CacheMode.DEFAULT));
        } catch (ApiException e) {
            if (added != SessionStore.Added.ADDED) {
                throw e; // a replay (say, 409 for a reused key): the turn this call found is another request's
            }
            // Refused (rate, budget, overload, a queue that is down): the turn says so rather than waiting forever.
            Instant at = clock.instant();
            try {
                sessions.finishTurn(tenant, sessionId, new Turn(jobId, turn.text(), turn.system(), Turn.FAILED, now,
                        model, null, e.code(), e.getMessage(), null, 0), at, at.plus(ttl));
            } catch (SdkException ignored) {
                log.warn("refused turn jobId={} not marked on session {}", jobId, sessionId);
            }
            throw e;
        }
    }

    /** {@code GET /v1/sessions/{id}}: the turns with their status, reply, usage and cost; another tenant's: 404. */
    public ObjectNode view(String tenant, String sessionId) {
        requireSessionId(sessionId);
        Session session = sessions.find(tenant, sessionId, clock.instant())
                .orElseThrow(() -> ApiException.notFound("session " + sessionId));
        ObjectNode node = Json.MAPPER.createObjectNode().put("sessionId", sessionId)
                .put("createdAt", session.createdAt().toString()).put("updatedAt", session.updatedAt().toString())
                .put("expiresAt", session.expiresAt().toString());
        ArrayNode turns = node.putArray("turns");
        for (Turn turn : session.turns()) {
            ObjectNode t = turns.addObject().put("jobId", turn.jobId()).put("text", turn.text());
            String status = turn.status();
            if (!turn.ended()) {
                // The job knows more: RUNNING, the text so far, or how it ended if the session missed it.
                try {
                    Job job = jobs.get(tenant, turn.jobId());
                    status = job.status().name();
                    if (job.partial() != null && !job.status().isTerminal()) {
                        t.put("partial", job.partial());
                    }
                    if (job.result() != null && job.result().path("reply").isTextual()) {
                        t.put("reply", job.result().get("reply").textValue());
                    }
                } catch (ApiException e) {
                    // The job is gone (expired): the session's word stands.
                }
            }
            t.put("status", status).put("at", turn.at().toString());
            if (turn.system() != null) {
                t.put("system", turn.system());
            }
            if (turn.model() != null) {
                t.put("model", turn.model());
            }
            if (turn.reply() != null) {
                t.put("reply", turn.reply());
            }
            if (turn.errorCode() != null) {
                t.putObject("error").put("code", turn.errorCode()).put("message", turn.errorMessage());
            }
            if (turn.usage() != null) {
                t.set("usage", turn.usage().toJson());
                t.put("costUsd", turn.costUsd());
            }
        }
        node.set("usage", session.usage().toJson());
        node.put("costUsd", session.costUsd());
        return node;
    }

    /** {@code DELETE /v1/sessions/{id}}: ends it; its queued turns then fail {@code session_ended}. */
    public void end(String tenant, String sessionId) {
        requireSessionId(sessionId);
        if (!sessions.end(tenant, sessionId, clock.instant())) {
            throw ApiException.notFound("session " + sessionId);
        }
    }

    private static void requireSessionId(String sessionId) {
        if (!ChatSpec.validSessionId(sessionId)) {
            throw ApiException.badRequest("invalid_session_id", "a session id is 1 to 64 letters, digits and ._-,"
                    + " starting with a letter or digit");
        }
    }

    private ObjectNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("invalid_json", "request body is empty: send {\"text\":\"Hello\"}");
        }
        if ((long) body.length() * 3 > maxBodyBytes && body.getBytes(StandardCharsets.UTF_8).length > maxBodyBytes) {
            throw ApiException.tooLarge("request_too_large", "request body is larger than " + maxBodyBytes + " bytes");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("invalid_request", "request body must be a JSON object");
        }
        if (node.has("session")) {
            throw ApiException.badRequest("unknown_field", "unknown field 'session' (the session is the one in the"
                    + " path)");
        }
        return (ObjectNode) node;
    }

    private static String text(JsonNode value, String field) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest("invalid_field", "'" + field + "' must be a string");
        }
        return value.textValue();
    }
}
