package dev.ebb.core.task.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ebb.core.Json;
import dev.ebb.core.session.Session;
import dev.ebb.core.session.SessionStore;
import dev.ebb.core.session.Turn;
import dev.ebb.core.task.JobContext;
import dev.ebb.core.task.Outcome;
import dev.ebb.core.task.Task;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointBlock;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointType;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

/**
 * The {@code chat} task's runner: one turn through Bedrock's ConverseStream, with the session's history.
 *
 * <p>For a turn of a session it reads the session (gone: the turn fails {@code session_ended}), appends the turn if
 * the sessions route has not yet, sends the trimmed history ({@link History}) with a cachePoint after the stable
 * prefix once that is long enough, streams the reply — writing the text so far on the job as {@code partial} at
 * most every {@link #PARTIAL_INTERVAL} — and records the reply, usage and cost on the session. The text restarts
 * whenever the SDK resends the request (a throttle in the middle of the stream): {@code onResponse} resets it.
 *
 * <p>Turns run one at a time, in the order given; a turn of a session that went back to the queue makes the later
 * turns of that session in the same batch go back too, so a session's turns never overtake each other.
 */
public final class ChatTask extends ChatSpec implements Task {
    private static final Logger log = LoggerFactory.getLogger(ChatTask.class);
    /** How often the text so far is written on the job, at most. */
    public static final Duration PARTIAL_INTERVAL = Duration.ofMillis(300);
    /** The longest a turn's call may take, all its attempts together (below the consumer's lease). */
    public static final Duration CALL_LIMIT = Duration.ofSeconds(80);

    /** Where the text so far goes: the job's {@code partial} (JobStore::writePartial). */
    @FunctionalInterface
    public interface PartialSink {
        void write(String jobId, String text);
    }

    private final BedrockRuntimeAsyncClient bedrock;
    private final SessionStore sessions;
    private final PartialSink partials;
    private final Clock clock;

    public ChatTask(ChatSettings settings, BedrockRuntimeAsyncClient bedrock, SessionStore sessions,
                    PartialSink partials, Clock clock) {
        super(settings);
        this.bedrock = bedrock;
        this.sessions = sessions;
        this.partials = partials;
        this.clock = clock;
    }

    @Override
    public List<Outcome> runBatch(List<JobContext> jobs) {
        List<Outcome> outcomes = new ArrayList<>(jobs.size());
        Set<String> heldBack = new HashSet<>();
        for (JobContext job : jobs) {
            String session = job.sessionId() == null ? null : job.tenant() + "/" + job.sessionId();
            if (session != null && heldBack.contains(session)) {
                outcomes.add(new Outcome.Retry("waiting_for_earlier_turn", "an earlier turn of this session went"
                        + " back to the queue; this one waits for it"));
                continue;
            }
            Outcome outcome = run(job);
            if (outcome instanceof Outcome.Retry && session != null) {
                heldBack.add(session);
            }
            outcomes.add(outcome);
        }
        return outcomes;
    }

    private Outcome run(JobContext job) {
        JsonNode input = job.input();
        if (input == null || !input.path("text").isTextual()) {
            return Outcome.failure("invalid_input", "the stored input of this chat turn is not readable");
        }
        String model = job.model() != null ? job.model() : settings.defaultModel();
        String text = input.get("text").textValue();
        String ownSystem = input.path("system").isTextual() ? input.get("system").textValue() : null;
        List<Turn> earlier = List.of();
        Instant now = clock.instant();
        if (job.sessionId() != null) {
            try {
                Optional<Session> found = sessions.find(job.tenant(), job.sessionId(), now);
                if (found.isEmpty()) {
                    return Outcome.failure("session_ended", "session " + job.sessionId() + " has ended or expired"
                            + " before this turn ran");
                }
                if (!found.get().has(job.jobId())) {
                    switch (sessions.addTurn(job.tenant(), job.sessionId(),
                            Turn.queued(job.jobId(), text, ownSystem, now), now, now.plus(settings.sessionTtl()))) {
                        case GONE -> {
                            return Outcome.failure("session_ended", "session " + job.sessionId() + " has ended");
                        }
                        case FULL -> {
                            return Outcome.failure("session_full", "session " + job.sessionId() + " has "
                                    + SessionStore.MAX_TURNS + " turns; start a new one");
                        }
                        case ADDED, PRESENT -> {
                        }
                    }
                }
                earlier = found.get().before(job.jobId());
            } catch (SdkException e) {
                log.warn("jobId={} session read failed: {}", job.jobId(), e.toString());
                return new Outcome.Retry("session_store_unavailable", "the sessions table did not answer");
            }
        }
        String system = History.system(earlier, ownSystem);
        List<Turn> history = History.trim(earlier, settings.historyTokens());
        ConverseStreamRequest request = request(model, system, history, text, input);

        Reply reply = new Reply();
        CompletableFuture<Void> call;
        try {
            call = bedrock.converseStream(request, reply.handler());
        } catch (SdkException e) {
            return ended(job, text, ownSystem, model, BedrockErrors.outcome(e, model), null);
        }
        long deadline = System.nanoTime() + CALL_LIMIT.toNanos();
        String written = "";
        while (true) {
            try {
                call.get(PARTIAL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException stillStreaming) {
                String soFar = reply.text.get().toString();
                if (!soFar.equals(written)) {
                    writePartial(job.jobId(), soFar);
                    written = soFar;
                }
                if (System.nanoTime() > deadline) {
                    call.cancel(true);
                    return ended(job, text, ownSystem, model, new Outcome.Retry("bedrock_timeout",
                            "the reply took longer than " + CALL_LIMIT.toSeconds() + " s"), null);
                }
            } catch (ExecutionException e) {
                return ended(job, text, ownSystem, model, BedrockErrors.outcome(e, model), null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                call.cancel(true);
                return new Outcome.Retry("worker_stopping", "the worker stopped during the call");
            }
        }
        Usage usage = reply.usage.get() == null ? Usage.NONE : reply.usage.get();
        double cost = settings.price(model).cost(usage);
        String answer = reply.text.get().toString();
        ObjectNode result = Json.MAPPER.createObjectNode().put("reply", answer).put("model", model);
        if (reply.stopReason.get() != null) {
            result.put("stopReason", reply.stopReason.get());
        }
        result.set("usage", usage.toJson());
        result.put("costUsd", cost);
        if (!settings.prices().containsKey(model)) {
            result.put("priceKnown", false);
        }
        if (job.sessionId() != null) {
            result.put("session", job.sessionId());
        }
        return ended(job, text, ownSystem, model, Outcome.success(result),
                new Turn(job.jobId(), text, ownSystem, Turn.SUCCEEDED, now, model, answer, null, null, usage, cost));
    }

    /**
     * Records how a turn ended on its session (a success or failure; a retry leaves it QUEUED) and returns the
     * outcome. A session that is gone by now does not change the job's outcome: the reply is on the job.
     */
    private Outcome ended(JobContext job, String text, String system, String model, Outcome outcome, Turn turn) {
        if (job.sessionId() == null || outcome instanceof Outcome.Retry) {
            return outcome;
        }
        Instant now = clock.instant();
        Turn ended = turn != null ? turn : outcome instanceof Outcome.Failure f
                ? new Turn(job.jobId(), text, system, Turn.FAILED, now, model, null, f.code(), f.message(), null, 0)
                : null;
        if (ended == null) {
            return outcome;
        }
        try {
            if (!sessions.finishTurn(job.tenant(), job.sessionId(), ended, now, now.plus(settings.sessionTtl()))) {
                log.info("jobId={} session {} gone or turn already finished", job.jobId(), job.sessionId());
            }
        } catch (SdkException e) {
            // The job's own result is what the client reads; a turn left QUEUED in the session is shown with the
            // job's status by GET /v1/sessions/{id}.
            log.warn("jobId={} turn not recorded on its session: {}", job.jobId(), e.toString());
        }
        return outcome;
    }

    private void writePartial(String jobId, String text) {
        try {
            partials.write(jobId, text);
        } catch (RuntimeException e) {
            log.debug("jobId={} partial not written: {}", jobId, e.toString());
        }
    }

    ConverseStreamRequest request(String model, String system, List<Turn> history, String text, JsonNode input) {
        List<Message> messages = new ArrayList<>();
        int prefixTokens = History.tokens(system);
        for (Turn turn : history) {
            messages.add(message(ConversationRole.USER, turn.text()));
            messages.add(message(ConversationRole.ASSISTANT, turn.reply()));
            prefixTokens += History.tokens(turn);
        }
        boolean cache = settings.cacheMinTokens() > 0 && prefixTokens >= settings.cacheMinTokens();
        if (cache && !messages.isEmpty()) {
            // After the stable prefix: the system prompt and the earlier turns, which the next turn sends again.
            Message last = messages.removeLast();
            List<ContentBlock> content = new ArrayList<>(last.content());
            content.add(ContentBlock.fromCachePoint(cachePoint()));
            messages.add(last.toBuilder().content(content).build());
        }
        messages.add(message(ConversationRole.USER, text));
        ConverseStreamRequest.Builder request = ConverseStreamRequest.builder().modelId(model).messages(messages)
                .inferenceConfig(c -> {
                    c.maxTokens(input.path("maxTokens").asInt(settings.defaultMaxTokens()));
                    if (input.path("temperature").isNumber()) {
                        c.temperature((float) input.get("temperature").doubleValue());
                    }
                });
        if (system != null) {
            List<SystemContentBlock> blocks = new ArrayList<>();
            blocks.add(SystemContentBlock.fromText(system));
            if (cache && history.isEmpty()) {
                blocks.add(SystemContentBlock.fromCachePoint(cachePoint()));
            }
            request.system(blocks);
        }
        return request.build();
    }

    private static CachePointBlock cachePoint() {
        return CachePointBlock.builder().type(CachePointType.DEFAULT).build();
    }

    private static Message message(ConversationRole role, String text) {
        return Message.builder().role(role).content(ContentBlock.fromText(text)).build();
    }

    /** The reply as it streams in; reset when the SDK starts the request again. */
    private static final class Reply {
        final AtomicReference<StringBuffer> text = new AtomicReference<>(new StringBuffer());
        final AtomicReference<Usage> usage = new AtomicReference<>();
        final AtomicReference<String> stopReason = new AtomicReference<>();

        ConverseStreamResponseHandler handler() {
            return ConverseStreamResponseHandler.builder()
                    // A new response: the first, or a resend after a throttle mid-stream. Start the text over.
                    .onResponse(response -> {
                        text.set(new StringBuffer());
                        usage.set(null);
                        stopReason.set(null);
                    })
                    .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                            .onContentBlockDelta(event -> {
                                if (event.delta() != null && event.delta().text() != null) {
                                    text.get().append(event.delta().text());
                                }
                            })
                            .onMessageStop(event -> stopReason.set(event.stopReasonAsString()))
                            .onMetadata(event -> usage.set(usage(event.usage())))
                            .build())
                    .build();
        }

        private static Usage usage(TokenUsage u) {
            if (u == null) {
                return Usage.NONE;
            }
            return new Usage(value(u.inputTokens()), value(u.outputTokens()), value(u.cacheReadInputTokens()),
                    value(u.cacheWriteInputTokens()));
        }

        private static long value(Integer n) {
            return n == null ? 0 : n;
        }
    }
}
