package dev.ebb.functions;

import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * A {@link JobQueue} that records what is sent (no SQS server runs in unit tests), or, made with
 * {@link #unreachable()}, fails every send the way the SDK does when SQS cannot be reached.
 */
final class RecordingJobQueue implements JobQueue {
    record Sent(Lane lane, JobEnvelope envelope) {
    }

    private final boolean reachable;
    private final List<Sent> sent = new ArrayList<>();

    private RecordingJobQueue(boolean reachable) {
        this.reachable = reachable;
    }

    static RecordingJobQueue recording() {
        return new RecordingJobQueue(true);
    }

    static RecordingJobQueue unreachable() {
        return new RecordingJobQueue(false);
    }

    List<Sent> sent() {
        return List.copyOf(sent);
    }

    @Override
    public void send(Lane lane, JobEnvelope envelope) {
        if (!reachable) {
            throw SdkClientException.create("Unable to execute HTTP request: Connection refused");
        }
        sent.add(new Sent(lane, envelope));
    }

    @Override
    public List<String> sendAll(Lane lane, List<JobEnvelope> envelopes) {
        envelopes.forEach(envelope -> send(lane, envelope));
        return java.util.Collections.nCopies(envelopes.size(), null);
    }

    @Override
    public List<QueueMessage> receive(Lane lane, int max, Duration wait, Duration visibility) {
        return List.of();
    }

    @Override
    public void delete(Lane lane, List<QueueMessage> messages) {
    }

    @Override
    public void changeVisibility(Lane lane, List<QueueMessage> messages, java.time.Duration timeout) {
    }
}
