package dev.ebb.core.queue;

import dev.ebb.core.retry.Backoff;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** {@link JobQueue} on one standard SQS queue per lane (each with its DLQ and redrive policy). */
public final class SqsJobQueue implements JobQueue {
    private static final Logger log = LoggerFactory.getLogger(SqsJobQueue.class);
    private static final int SQS_BATCH = 10;

    private final SqsClient sqs;
    private final Map<Lane, String> queueUrls;
    private final Backoff backoff;

    public SqsJobQueue(SqsClient sqs, Map<Lane, String> queueUrls) {
        this(sqs, queueUrls, Backoff.standard());
    }

    /** @param backoff how the failed entries of a batch call (which the SDK does not retry) are tried again */
    public SqsJobQueue(SqsClient sqs, Map<Lane, String> queueUrls, Backoff backoff) {
        this.sqs = sqs;
        this.queueUrls = new EnumMap<>(queueUrls);
        this.backoff = backoff;
    }

    @Override
    public void send(Lane lane, JobEnvelope envelope) {
        String url = url(lane);
        if (fifo(url)) {
            sqs.sendMessage(r -> r.queueUrl(url).messageBody(envelope.toJson())
                    .messageGroupId(envelope.messageGroup()).messageDeduplicationId(deduplicationId()));
        } else {
            sqs.sendMessage(r -> r.queueUrl(url).messageBody(envelope.toJson()));
        }
    }

    /**
     * A FIFO queue (the llm lane) orders messages within a group: a job's group is its session, so the turns of one
     * conversation run one after another, or the job itself when it has none.
     */
    private static boolean fifo(String url) {
        return url.endsWith(".fifo");
    }

    /**
     * Every send is a new message: a copy sent again (an idempotent replay, the reconciler) must not be dropped by
     * SQS's five-minute deduplication, since the copy exists because the first may be lost; a duplicate is
     * harmless, the claim is conditional.
     */
    private static String deduplicationId() {
        return java.util.UUID.randomUUID().toString();
    }

    @Override
    public List<String> sendAll(Lane lane, List<JobEnvelope> envelopes) {
        List<String> failures = new ArrayList<>(java.util.Collections.nCopies(envelopes.size(), (String) null));
        for (int from = 0; from < envelopes.size(); from += SQS_BATCH) {
            List<Integer> chunk = new ArrayList<>();
            for (int i = from; i < Math.min(envelopes.size(), from + SQS_BATCH); i++) {
                chunk.add(i);
            }
            // A batch call can succeed with failed entries, which the SDK does not retry: those the server may
            // accept later (not the sender's fault) are sent again; the last failure of each is reported.
            backoff.retryLeftovers(chunk, indexes -> {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i : indexes) {
                    failures.set(i, null);
                    SendMessageBatchRequestEntry.Builder entry = SendMessageBatchRequestEntry.builder()
                            .id(Integer.toString(i)).messageBody(envelopes.get(i).toJson());
                    if (fifo(url(lane))) {
                        entry.messageGroupId(envelopes.get(i).messageGroup()).messageDeduplicationId(deduplicationId());
                    }
                    entries.add(entry.build());
                }
                List<Integer> retry = new ArrayList<>();
                for (BatchResultErrorEntry failed : sqs.sendMessageBatch(r -> r.queueUrl(url(lane)).entries(entries))
                        .failed()) {
                    int i = Integer.parseInt(failed.id());
                    failures.set(i, failed.code() + ": " + failed.message());
                    if (!Boolean.TRUE.equals(failed.senderFault())) {
                        retry.add(i);
                    }
                }
                return retry;
            });
        }
        return failures;
    }

    @Override
    public List<QueueMessage> receive(Lane lane, int max, Duration wait, Duration visibility) {
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url(lane))
                .maxNumberOfMessages(Math.min(max, SQS_BATCH))
                .waitTimeSeconds((int) Math.min(20, wait.toSeconds()))
                .visibilityTimeout(visibility == null ? null : (int) visibility.toSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
        List<QueueMessage> received = new ArrayList<>(messages.size());
        for (Message m : messages) {
            String count = m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
            received.add(new QueueMessage(m.messageId(), m.receiptHandle(), m.body(),
                    count == null ? 1 : Integer.parseInt(count)));
        }
        return received;
    }

    @Override
    public void delete(Lane lane, List<QueueMessage> messages) {
        for (int from = 0; from < messages.size(); from += SQS_BATCH) {
            List<QueueMessage> chunk = messages.subList(from, Math.min(messages.size(), from + SQS_BATCH));
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(i)).receiptHandle(chunk.get(i).receiptHandle()).build());
            }
            logFailures("delete", sqs.deleteMessageBatch(r -> r.queueUrl(url(lane)).entries(entries)).failed());
        }
    }

    @Override
    public void changeVisibility(Lane lane, List<QueueMessage> messages, Duration timeout) {
        for (int from = 0; from < messages.size(); from += SQS_BATCH) {
            List<QueueMessage> chunk = messages.subList(from, Math.min(messages.size(), from + SQS_BATCH));
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(Integer.toString(i)).receiptHandle(chunk.get(i).receiptHandle())
                        .visibilityTimeout((int) timeout.toSeconds()).build());
            }
            logFailures("change visibility", sqs.changeMessageVisibilityBatch(r -> r.queueUrl(url(lane)).entries(entries))
                    .failed());
        }
    }

    private String url(Lane lane) {
        String url = queueUrls.get(lane);
        if (url == null) {
            throw new IllegalStateException("no queue configured for the " + lane.id() + " lane ("
                    + dev.ebb.core.config.Deployment.lane(lane).urlVariable() + " is not set)");
        }
        return url;
    }

    private static void logFailures(String action, List<BatchResultErrorEntry> failed) {
        for (BatchResultErrorEntry entry : failed) {
            // The message stays; it is delivered again and finds its job already ended.
            log.warn("sqs {} failed for entry {}: {} {}", action, entry.id(), entry.code(), entry.message());
        }
    }
}
