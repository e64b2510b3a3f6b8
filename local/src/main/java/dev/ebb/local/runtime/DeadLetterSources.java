package dev.ebb.local.runtime;

import dev.ebb.functions.DeadLetterHandler;
import dev.ebb.functions.DependencyFactory;
import dev.ebb.core.task.Lane;
import dev.ebb.local.cloud.ProvisionedResources;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local stand-in for the dead-letter function's event sources: one {@link SqsEventSource} per lane's DLQ,
 * handing dead letters to the same {@link DeadLetterHandler} Lambda runs.
 */
final class DeadLetterSources implements AutoCloseable {
    private final List<SqsEventSource> sources;

    private DeadLetterSources(List<SqsEventSource> sources) {
        this.sources = sources;
    }

    static DeadLetterSources start(SqsClient sqs, ProvisionedResources resources, DependencyFactory functions) {
        DeadLetterHandler handler = new DeadLetterHandler(functions);
        List<SqsEventSource> sources = new ArrayList<>();
        for (Lane lane : Lane.values()) {
            String url = resources.dlqUrl(lane.id());
            String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            SqsEventSource source = new SqsEventSource(sqs, url, arn, 1, handler);
            source.start();
            sources.add(source);
        }
        return new DeadLetterSources(sources);
    }

    @Override
    public void close() {
        sources.forEach(SqsEventSource::close);
    }
}
