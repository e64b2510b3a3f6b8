package dev.ebb.core.queue;

import dev.ebb.core.admission.LaneDepth;
import dev.ebb.core.task.Lane;
import java.util.EnumMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** A lane's depth from its queue's attributes: messages waiting plus in flight (one GetQueueAttributes call). */
public final class SqsLaneDepth implements LaneDepth {
    private final SqsClient sqs;
    private final Map<Lane, String> queueUrls;

    public SqsLaneDepth(SqsClient sqs, Map<Lane, String> queueUrls) {
        this.sqs = sqs;
        this.queueUrls = new EnumMap<>(queueUrls);
    }

    @Override
    public long depth(Lane lane) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrls.get(lane))
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Long.parseLong(attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"))
                + Long.parseLong(attributes.getOrDefault(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
    }
}
