package dev.ebb.core.cost;

import dev.ebb.core.task.Lane;

/**
 * What one job's way through Ebb consisted of, as the runner knows it when the job ends: the sizes that decide its
 * DynamoDB write units and SQS requests, how its message and result travelled, and its share of the batch it ran in.
 *
 * @param lane         where it ran
 * @param inputBytes   its input's JSON, in bytes (kept in the item when inline)
 * @param inputInline  false when the input went to the object store (one PUT at submit, one GET at claim)
 * @param resultBytes  the stored result's JSON in bytes (0 for a failure)
 * @param resultInline false when the result went to the object store (one PUT at completion, a GET per read)
 * @param batchJobs    jobs claimed together (their claims and completions share one transaction, and their
 *                     receive and delete calls)
 * @param modelMillis  the task's time for the batch of this job's task and model
 * @param groupJobs    jobs in that task's batch: the model time is shared among them
 * @param submitMillis how long the submit took until the job was queued, or -1 where unknown
 * @param runs         runs of the job (claims; more than one after a crash or a lost lease)
 */
public record JobUsage(Lane lane, long inputBytes, boolean inputInline, long resultBytes, boolean resultInline,
                       int batchJobs, double modelMillis, int groupJobs, long submitMillis, int runs) {
}
