package dev.ebb.core.task.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.cache.SemanticAnswers;
import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.session.Session;
import dev.ebb.core.session.SessionStore;
import dev.ebb.core.session.Turn;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What the semantic cache needs of chat's conversations. A turn's place is read from its session (the sessions route
 * puts the turn there before its job is queued): only the first turn may be answered by meaning, since a later one's
 * answer depends on the turns before it. A turn so answered is written on its session as the chat task would write
 * it, so the next turn's history holds its reply; it used no tokens, so its usage and cost are zero. A session that
 * cannot be read or written makes the turn run, as it would without the cache.
 */
public final class ChatSemantics implements SemanticAnswers.Conversation {
    private static final Logger log = LoggerFactory.getLogger(ChatSemantics.class);

    private final SessionStore sessions;
    private final ChatSettings settings;
    private final Clock clock;

    public ChatSemantics(SessionStore sessions, ChatSettings settings, Clock clock) {
        this.sessions = sessions;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public int turn(JobEnvelope job) {
        try {
            Optional<Session> session = sessions.find(job.tenant(), job.sessionId(), clock.instant());
            return session.map(s -> s.before(job.jobId()).size() + 1).orElse(Integer.MAX_VALUE);
        } catch (SdkException e) {
            log.warn("jobId={} session not read for the semantic cache: {}", job.jobId(), e.toString());
            return Integer.MAX_VALUE;
        }
    }

    @Override
    public Optional<JsonNode> answered(JobEnvelope job, JsonNode cached) {
        ObjectNode result = cached.deepCopy();
        result.set("usage", Usage.NONE.toJson());
        result.put("costUsd", 0.0);
        result.remove("session");
        String session = job.sessionId();
        if (session == null) {
            return Optional.of(result);
        }
        result.put("session", session);
        JsonNode input = job.input();
        String text = input.path("text").asText();
        String system = input.path("system").isTextual() ? input.get("system").textValue() : null;
        Instant now = clock.instant();
        try {
            SessionStore.Added added = sessions.addTurn(job.tenant(), session, Turn.queued(job.jobId(), text, system,
                    now), now, now.plus(settings.sessionTtl()));
            if (added != SessionStore.Added.ADDED && added != SessionStore.Added.PRESENT) {
                return Optional.empty(); // gone or full: the task says so
            }
            boolean finished = sessions.finishTurn(job.tenant(), session, new Turn(job.jobId(), text, system,
                    Turn.SUCCEEDED, now, result.path("model").asText(null), result.path("reply").asText(""), null,
                    null, Usage.NONE, 0), now, now.plus(settings.sessionTtl()));
            return finished ? Optional.of(result) : Optional.empty();
        } catch (SdkException e) {
            log.warn("jobId={} semantic answer not written on session: {}", job.jobId(), e.toString());
            return Optional.empty();
        }
    }
}
