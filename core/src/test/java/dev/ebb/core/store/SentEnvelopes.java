package dev.ebb.core.store;

import dev.ebb.core.queue.JobEnvelope;
import dev.ebb.core.queue.JobQueue;
import dev.ebb.core.queue.QueueMessage;
import dev.ebb.core.task.Lane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps what was sent; the queue itself is SqsJobQueue's business, tested against ElasticMQ elsewhere. */
public final class SentEnvelopes implements JobQueue {
    public final List<JobEnvelope> sent = new CopyOnWriteArrayList<>();

    @Override
    public void send(Lane lane, JobEnvelope envelope) {
        sent.add(envelope);
    }

    @Override
    public List<String> sendAll(Lane lane, List<JobEnvelope> envelopes) {
        sent.addAll(envelopes);
        return new ArrayList<>(java.util.Collections.nCopies(envelopes.size(), null));
    }

    @Override
    public List<QueueMessage> receive(Lane lane, int max, Duration wait, Duration visibility) {
        throw new UnsupportedOperationException("not used here");
    }

    @Override
    public void delete(Lane lane, List<QueueMessage> messages) {
        throw new UnsupportedOperationException("not used here");
    }

    @Override
    public void changeVisibility(Lane lane, List<QueueMessage> messages, Duration timeout) {
        throw new UnsupportedOperationException("not used here");
    }
}
