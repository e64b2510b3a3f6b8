package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.ebb.core.cache.Embedder;
import dev.ebb.core.cache.SemanticAnswers;
import dev.ebb.core.cache.SemanticSettings;
import dev.ebb.core.run.JobRunner;
import dev.ebb.core.task.chat.ChatSemantics;
import dev.ebb.core.task.Lane;

/**
 * The llm lane's consumer: the same handler as the cpu lane's ({@link QueueWorkerHandler}: the shared
 * {@link JobRunner}, partial batch failures) with the chat task's runner (Bedrock, the sessions table) and a requeue
 * that puts a throttled turn back in the llm queue with a growing delay. On AWS an SQS event source on the llm FIFO
 * queue (batch size 1) invokes it, its reserved concurrency capped ({@code Deployment.LLM_CONCURRENCY}); locally
 * the local event source does, with as many pollers.
 */
public final class ChatWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final QueueWorkerHandler delegate;

    public ChatWorkerHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud: collaborators from the given factory. */
    public ChatWorkerHandler(DependencyFactory factory) {
        this(factory, null);
    }

    /**
     * With the semantic cache where {@code embedder} is given (the local cloud hands in the gpu worker's MiniLM; a
     * Lambda has no model, so on AWS chat turns are never answered by meaning): a turn that stands alone, at
     * temperature 0, may be answered from an earlier turn of the same tenant whose text meant nearly the same.
     */
    public ChatWorkerHandler(DependencyFactory factory, Embedder embedder) {
        SemanticAnswers semantic = null;
        if (embedder != null) {
            SemanticSettings settings = SemanticSettings.fromEnv(factory.environment());
            if (settings.enabled()) {
                semantic = new SemanticAnswers(settings, embedder, factory.llmTasks(),
                        new ChatSemantics(factory.sessionStore(), factory.chatSettings(), factory.clock()),
                        factory.admissionControl().usage());
            }
        }
        SemanticAnswers answers = semantic;
        this.delegate = new QueueWorkerHandler(owner -> {
            // Admission's worker side too: a turn that waited while its tenant ran out of budget is not run.
            JobRunner.Builder builder = JobRunner.builder().store(factory.jobStore())
                    .tasks(factory.llmTasks()).owner(owner)
                    .lease(factory.settings().lease()).resultTtl(factory.settings().limits().resultTtl())
                    .clock(factory.clock()).objects(factory.objectStore())
                    .largeResultBytes(factory.settings().largeResultBytes())
                    .deadLetters(factory.deadLetterStore(), factory.settings().limits().jobTtl())
                    .requeue(factory.requeue(Lane.LLM))
                    .claimCheck(factory.admissionControl().claimCheck())
                    .metrics(factory.metrics())
                    .semantic(answers);
            factory.admissionControl().listeners(factory.llmTasks()).forEach(builder::listener);
            return builder.build();
        });
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return delegate.handleRequest(event, context);
    }
}
