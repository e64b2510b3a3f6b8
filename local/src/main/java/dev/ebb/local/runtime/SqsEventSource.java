package dev.ebb.local.runtime;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The local stand-in for Lambda's SQS event source mapping with ReportBatchItemFailures: long-polls a queue,
 * hands each batch to the handler as an {@link SQSEvent}, and deletes the messages not reported as failures.
 * A handler that throws fails the whole batch, as on Lambda.
 */
public final class SqsEventSource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqsEventSource.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final RequestHandler<SQSEvent, SQSBatchResponse> handler;
    private final ExecutorService pollers;
    private final int concurrency;
    private final int batchSize;
    private final String name;
    private volatile boolean running;

    public SqsEventSource(SqsClient sqs, String queueUrl, String queueArn, int concurrency,
                          RequestHandler<SQSEvent, SQSBatchResponse> handler) {
        this(sqs, queueUrl, queueArn, concurrency, 10, "cpu lane", handler);
    }

    /**
     * @param concurrency the most batches handled at once (Lambda's maximum concurrency of the event source)
     * @param batchSize   the most messages in one batch (the event source's batch size: 1 for the llm lane)
     * @param name        what the log and the threads call it
     */
    public SqsEventSource(SqsClient sqs, String queueUrl, String queueArn, int concurrency, int batchSize,
                          String name, RequestHandler<SQSEvent, SQSBatchResponse> handler) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.handler = handler;
        this.concurrency = concurrency;
        this.batchSize = batchSize;
        this.name = name;
        this.pollers = Executors.newFixedThreadPool(Math.max(1, concurrency),
                Thread.ofPlatform().name(name.replace(' ', '-') + "-", 0).factory());
    }

    public void start() {
        running = true;
        for (int i = 0; i < concurrency; i++) {
            pollers.execute(this::poll);
        }
    }

    /** Stops polling; batches being handled finish first. */
    @Override
    public void close() {
        running = false;
        pollers.shutdown();
        try {
            if (!pollers.awaitTermination(25, TimeUnit.SECONDS)) {
                pollers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void poll() {
        while (running) {
            List<Message> messages;
            try {
                // A short wait keeps shutdown quick; the worker process uses the full 20 s long poll.
                messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(batchSize).waitTimeSeconds(1)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            } catch (SdkException e) {
                if (running) {
                    log.warn("{} receive failed: {}", name, e.toString());
                    sleep(1000);
                }
                continue;
            }
            if (!messages.isEmpty()) {
                deliver(messages);
            }
        }
    }

    private void deliver(List<Message> messages) {
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>(messages.size());
        for (Message message : messages) {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(message.messageId());
            record.setReceiptHandle(message.receiptHandle());
            record.setBody(message.body());
            record.setAttributes(Map.copyOf(message.attributesAsStrings()));
            record.setEventSource("aws:sqs");
            record.setEventSourceArn(queueArn);
            records.add(record);
        }
        event.setRecords(records);
        Set<String> failed = new HashSet<>();
        try {
            SQSBatchResponse response = handler.handleRequest(event, null);
            response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
        } catch (RuntimeException e) {
            log.error("{} handler failed a batch of {}", name, messages.size(), e);
            return; // all come back after their visibility timeout
        }
        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (!failed.contains(messages.get(i).messageId())) {
                done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(messages.get(i).receiptHandle()).build());
            }
        }
        if (!done.isEmpty()) {
            try {
                sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(done));
            } catch (SdkException e) {
                log.warn("{} delete failed; those messages are delivered again: {}", name, e.toString());
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
