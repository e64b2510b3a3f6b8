package dev.ebb.core.queue;

/** A message as received: the handle to delete it with, its body, and how many times it has been received. */
public record QueueMessage(String messageId, String receiptHandle, String body, int receiveCount) {
}
