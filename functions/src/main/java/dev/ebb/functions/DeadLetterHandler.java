package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.run.DeadLetters;
import dev.ebb.core.run.JobRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * The lanes' dead-letter queues: each dead letter ends its job FAILED ({@code dead_lettered}, with the receives
 * and runs) and marks it for redrive; a job a live worker still holds is reported as a batch item failure and
 * looked at again later.
 */
public final class DeadLetterHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final DeadLetters deadLetters;

    public DeadLetterHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud: collaborators from the given factory. */
    public DeadLetterHandler(DependencyFactory factory) {
        this(factory.deadLetters());
    }

    DeadLetterHandler(DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        List<QueueMessage> messages = new ArrayList<>(records.size());
        for (SQSEvent.SQSMessage record : records) {
            messages.add(new QueueMessage(record.getMessageId(), record.getReceiptHandle(), record.getBody(),
                    QueueWorkerHandler.receiveCount(record)));
        }
        List<JobRunner.Disposition> dispositions = deadLetters.consume(messages);
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (dispositions.get(i) == JobRunner.Disposition.RETRY) {
                failures.add(SQSBatchResponse.BatchItemFailure.builder()
                        .withItemIdentifier(messages.get(i).messageId()).build());
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }
}
