package dev.ebb.local.cli;

/** A command line that cannot run: the message says what is wrong; the command's usage follows it, exit status 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
