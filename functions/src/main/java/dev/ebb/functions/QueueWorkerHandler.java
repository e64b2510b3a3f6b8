package dev.ebb.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.metrics.MetricsSink;
import dev.ebb.core.run.JobRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The cpu lane: an SQS event source delivers a batch, the shared {@link JobRunner} runs it, and every message
 * whose job has not ended is reported as a batch item failure (ReportBatchItemFailures), so Lambda deletes only
 * the finished ones.
 */
public final class QueueWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    /** A runner for a claim owner; called once per invocation, never at init. */
    private final Function<String, JobRunner> runners;
    private final MetricsSink metrics;

    public QueueWorkerHandler() {
        this(DependencyFactory.fromProcessEnv());
    }

    /** For hosts other than Lambda, such as the local cloud's gateway: collaborators from the given factory. */
    public QueueWorkerHandler(DependencyFactory factory) {
        this(factory::jobRunner, factory.metrics());
    }

    /**
     * The claim owner is taken per invocation, never at init: under SnapStart every environment restored from one
     * snapshot would share an owner made at init (and its claim counter), and one could complete or extend another's
     * claim. The runner itself holds nothing but references, so building one per invocation costs nothing.
     */
    QueueWorkerHandler(Function<String, JobRunner> runners) {
        this(runners, MetricsSink.NONE);
    }

    QueueWorkerHandler(Function<String, JobRunner> runners, MetricsSink metrics) {
        this.runners = runners;
        this.metrics = metrics;
    }

    /** Tests: one runner, whatever the owner. */
    QueueWorkerHandler(JobRunner runner) {
        this(owner -> runner);
    }

    /** {@code lambda-<request id>}: unique per invocation; a random id where there is no Lambda context. */
    static String owner(Context context) {
        String requestId = context == null ? null : context.getAwsRequestId();
        return "lambda-" + (requestId == null || requestId.isBlank() ? UUID.randomUUID().toString() : requestId);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        List<QueueMessage> messages = new ArrayList<>(records.size());
        for (SQSEvent.SQSMessage record : records) {
            messages.add(new QueueMessage(record.getMessageId(), record.getReceiptHandle(), record.getBody(),
                    receiveCount(record)));
        }
        List<JobRunner.Disposition> dispositions;
        if (context != null && context.getAwsRequestId() != null) {
            org.slf4j.MDC.put(ApiGateway.REQUEST_ID, context.getAwsRequestId());
        }
        try {
            dispositions = runners.apply(owner(context)).run(messages);
        } finally {
            metrics.flush();
            org.slf4j.MDC.remove(ApiGateway.REQUEST_ID);
        }
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (dispositions.get(i) == JobRunner.Disposition.RETRY) {
                failures.add(SQSBatchResponse.BatchItemFailure.builder()
                        .withItemIdentifier(messages.get(i).messageId()).build());
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    static int receiveCount(SQSEvent.SQSMessage record) {
        String count = record.getAttributes() == null ? null : record.getAttributes().get("ApproximateReceiveCount");
        try {
            return count == null ? 1 : Integer.parseInt(count);
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
