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

    /**
     * The llm queue's visibility timeout: above the chat worker's lease (120 s), itself above the function's 90 s
     * timeout (see Functions).
     */
    static final Duration LLM_VISIBILITY = Duration.seconds(180);

    private final Lane gpu;
    private final Lane cpu;
    private final Lane llm;

    public Queues(Construct scope, String id, Props props) {
        super(scope, id);
        this.gpu = lane(Deployment.GPU, props.gpuVisibility(), props.maxReceiveCount());
        this.cpu = lane(Deployment.CPU, props.cpuVisibility(), props.maxReceiveCount());
        this.llm = lane(Deployment.LLM, LLM_VISIBILITY, props.maxReceiveCount());
    }

    private Lane lane(Deployment.LaneQueues spec, Duration visibility, int maxReceiveCount) {
        // The lane queue is named, so that its DLQ can name it as its only allowed source without a reference cycle
        // (the lane queue's redrive policy already refers to the DLQ).
        // A FIFO lane (llm: a session's turns in order) has a FIFO queue, whose name ends in .fifo, and a FIFO DLQ.
        boolean fifo = spec.queue().fifo();
        String queueName = Stack.of(this).getStackName() + "-" + spec.lane().id() + (fifo ? ".fifo" : "");
        IQueue source = Queue.fromQueueArn(this, spec.queue().id() + "Source", Stack.of(this).formatArn(
                ArnComponents.builder().service("sqs").resource(queueName).build()));
        Queue.Builder deadLettersBuilder = Queue.Builder.create(this, spec.deadLetters().id());
        Queue.Builder queueBuilder = Queue.Builder.create(this, spec.queue().id());
        if (fifo) {
            deadLettersBuilder.fifo(true);
            queueBuilder.fifo(true).contentBasedDeduplication(false);
        }
        Queue deadLetters = deadLettersBuilder
                .encryption(QueueEncryption.SQS_MANAGED)
                // Only the lane's own queue may dead-letter here, not any queue of the account.
                .redriveAllowPolicy(RedriveAllowPolicy.builder().redrivePermission(RedrivePermission.BY_QUEUE)
                        .sourceQueues(List.of(source)).build())
                .enforceSsl(true)
                .retentionPeriod(RETENTION)
                .build();
        Queue queue = queueBuilder
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

    public Lane llm() {
        return llm;
    }
}
