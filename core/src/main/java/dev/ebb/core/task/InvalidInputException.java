package dev.ebb.core.task;

/** Thrown by {@link Task#validate} when an input can never succeed; the submit path answers it with a 400. */
public final class InvalidInputException extends Exception {
    private final String code;

    public InvalidInputException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
