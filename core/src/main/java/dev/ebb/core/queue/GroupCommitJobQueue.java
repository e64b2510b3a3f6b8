package dev.ebb.core.queue;

import dev.ebb.core.batch.GroupCommit;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * A {@link JobQueue} whose concurrent {@link #send} calls go out together as SendMessageBatch calls of up to ten,
 * per lane. For processes that serve many requests at once (the local cloud's gateway).
 */
public final class GroupCommitJobQueue implements JobQueue, AutoCloseable {
    private final JobQueue delegate;
    private final Map<Lane, GroupCommit<JobEnvelope, Boolean>> sends = new EnumMap<>(Lane.class);

    public GroupCommitJobQueue(JobQueue delegate, int writerThreads) {
        this.delegate = delegate;
        for (Lane lane : Lane.values()) {
            sends.put(lane, new GroupCommit<>("send-" + lane.id(), 10, writerThreads, calls -> {
                List<String> failures = delegate.sendAll(lane, calls.stream().map(GroupCommit.Call::item).toList());
                for (int i = 0; i < calls.size(); i++) {
                    if (failures.get(i) == null) {
                        calls.get(i).succeed(Boolean.TRUE);
                    } else {
                        calls.get(i).fail(SdkClientException.create("message not sent: " + failures.get(i)));
                    }
                }
            }));
        }
    }

    @Override
    public void send(Lane lane, JobEnvelope envelope) {
        sends.get(lane).call(envelope);
    }

    @Override
    public List<String> sendAll(Lane lane, List<JobEnvelope> envelopes) {
        return delegate.sendAll(lane, envelopes);
    }

    @Override
    public List<QueueMessage> receive(Lane lane, int max, Duration wait, Duration visibility) {
        return delegate.receive(lane, max, wait, visibility);
    }

    @Override
    public void delete(Lane lane, List<QueueMessage> messages) {
        delegate.delete(lane, messages);
    }

    @Override
    public void changeVisibility(Lane lane, List<QueueMessage> messages, Duration timeout) {
        delegate.changeVisibility(lane, messages, timeout);
    }

    @Override
    public void close() {
        sends.values().forEach(GroupCommit::close);
    }
}
