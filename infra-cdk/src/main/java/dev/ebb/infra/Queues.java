package dev.ebb.infra;

import dev.ebb.core.config.Deployment;
import java.util.List;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.IQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.sqs.RedriveAllowPolicy;
import software.amazon.awscdk.services.sqs.RedrivePermission;
import software.constructs.Construct;

/**
 * Each lane's queue and its dead-letter queue ({@link Deployment#LANES}, construct ids from there): SQS-managed
 * encryption, TLS only, messages kept 14 days (as long as a job), and the redrive policy attached to the main queue
 * after {@link Props#maxReceiveCount()} receives.
 */
public final class Queues extends Construct {
    /**
     * @param cpuVisibility     the cpu queue's visibility timeout: 6x the queue-worker function's timeout
     * @param gpuVisibility     the gpu queue's visibility timeout (the workers extend it while they run)
     * @param maxReceiveCount   receives before a message moves to its lane's DLQ
     */
    public record Props(Duration cpuVisibility, Duration gpuVisibility, int maxReceiveCount) {
    }

    /** A lane's queue and its DLQ. */
    public record Lane(Queue queue, Queue deadLetters) {
    }

    private static final Duration RETENTION = Duration.days(14);

    private final Lane gpu;
    private final Lane cpu;

    public Queues(Construct scope, String id, Props props) {
        super(scope, id);
        this.gpu = lane(Deployment.GPU, props.gpuVisibility(), props.maxReceiveCount());
        this.cpu = lane(Deployment.CPU, props.cpuVisibility(), props.maxReceiveCount());
    }

    private Lane lane(Deployment.LaneQueues spec, Duration visibility, int maxReceiveCount) {
        // The lane queue is named, so that its DLQ can name it as its only allowed source without a reference cycle
        // (the lane queue's redrive policy already refers to the DLQ).
        String queueName = Stack.of(this).getStackName() + "-" + spec.lane().id();
        IQueue source = Queue.fromQueueArn(this, spec.queue().id() + "Source", Stack.of(this).formatArn(
                ArnComponents.builder().service("sqs").resource(queueName).build()));
        Queue deadLetters = Queue.Builder.create(this, spec.deadLetters().id())
                .encryption(QueueEncryption.SQS_MANAGED)
                // Only the lane's own queue may dead-letter here, not any queue of the account.
                .redriveAllowPolicy(RedriveAllowPolicy.builder().redrivePermission(RedrivePermission.BY_QUEUE)
                        .sourceQueues(List.of(source)).build())
                .enforceSsl(true)
                .retentionPeriod(RETENTION)
                .build();
        Queue queue = Queue.Builder.create(this, spec.queue().id())
                .queueName(queueName)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(RETENTION)
                .visibilityTimeout(visibility)
                .deadLetterQueue(DeadLetterQueue.builder().queue(deadLetters).maxReceiveCount(maxReceiveCount).build())
                .build();
        return new Lane(queue, deadLetters);
    }

    public Lane gpu() {
        return gpu;
    }

    public Lane cpu() {
        return cpu;
    }
}
