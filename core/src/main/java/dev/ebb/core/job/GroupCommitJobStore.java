package dev.ebb.core.job;

import dev.ebb.core.batch.GroupCommit;
import dev.ebb.core.task.Outcome;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A {@link JobStore} whose concurrent {@link #create} calls are written together through {@link #createAll}
 * (transactions of up to 25 on DynamoDB). Worth it where one process serves many requests at once, such as the
 * local cloud's gateway; a Lambda serves one request at a time and does without.
 */
public final class GroupCommitJobStore implements JobStore, AutoCloseable {
    private final JobStore delegate;
    private final GroupCommit<Job, CreateResult> creates;

    public GroupCommitJobStore(JobStore delegate, int writerThreads) {
        this.delegate = delegate;
        this.creates = new GroupCommit<>("job-create", 25, writerThreads, calls -> {
            List<CreateResult> results = delegate.createAll(calls.stream().map(GroupCommit.Call::item).toList());
            for (int i = 0; i < calls.size(); i++) {
                calls.get(i).succeed(results.get(i));
            }
        });
    }

    @Override
    public CreateResult create(Job job) {
        return creates.call(job);
    }

    @Override
    public Optional<Job> find(String jobId) {
        return delegate.find(jobId);
    }

    @Override
    public ClaimResult claim(String jobId, String owner, Instant leaseUntil, Instant now) {
        return delegate.claim(jobId, owner, leaseUntil, now);
    }

    @Override
    public boolean startAlone(String jobId, String owner) {
        return delegate.startAlone(jobId, owner);
    }

    @Override
    public ClaimResult claimAlone(Job seen, String owner, Instant leaseUntil, Instant now, int crashedAlone) {
        return delegate.claimAlone(seen, owner, leaseUntil, now, crashedAlone);
    }

    @Override
    public CompleteResult complete(String jobId, String owner, Outcome outcome, Instant now, Instant expiresAt) {
        return delegate.complete(jobId, owner, outcome, now, expiresAt);
    }

    @Override
    public CancelResult cancel(String tenant, String jobId, Instant now, Instant expiresAt) {
        return delegate.cancel(tenant, jobId, now, expiresAt);
    }

    @Override
    public CancelResult cancelQueued(String tenant, String jobId, Instant now, Instant expiresAt) {
        return delegate.cancelQueued(tenant, jobId, now, expiresAt);
    }

    @Override
    public boolean extendLease(String jobId, String owner, Instant leaseUntil) {
        return delegate.extendLease(jobId, owner, leaseUntil);
    }

    @Override
    public boolean writePartial(String jobId, String text) {
        return delegate.writePartial(jobId, text);
    }

    @Override
    public boolean release(String jobId, String owner) {
        return delegate.release(jobId, owner);
    }

    @Override
    public boolean recordError(String jobId, LastError error) {
        return delegate.recordError(jobId, error);
    }

    @Override
    public boolean deleteQueued(String jobId) {
        return delegate.deleteQueued(jobId);
    }

    @Override
    public boolean markReplayed(String jobId) {
        return delegate.markReplayed(jobId);
    }

    @Override
    public List<ClaimResult> claimEnvelopes(List<dev.ebb.core.queue.JobEnvelope> envelopes, String owner,
                                            Instant leaseUntil, Instant now) {
        return delegate.claimEnvelopes(envelopes, owner, leaseUntil, now);
    }

    @Override
    public List<String> queuedBefore(dev.ebb.core.task.Lane lane, Instant before, int limit) {
        return delegate.queuedBefore(lane, before, limit);
    }

    @Override
    public boolean markResent(String jobId, Instant now) {
        return delegate.markResent(jobId, now);
    }

    @Override
    public List<CreateResult> createAll(List<Job> jobs) {
        return delegate.createAll(jobs);
    }

    @Override
    public List<ClaimResult> claimAll(List<String> jobIds, String owner, Instant leaseUntil, Instant now) {
        return delegate.claimAll(jobIds, owner, leaseUntil, now);
    }

    @Override
    public List<CompleteResult> completeAll(List<Completion> completions, String owner, Instant now,
                                            Instant expiresAt) {
        return delegate.completeAll(completions, owner, now, expiresAt);
    }

    @Override
    public void close() {
        creates.close();
    }
}
