package dev.ebb.core.api;

/**
 * A request that cannot be served, with the HTTP status, a stable snake_case code and a message for people.
 * Rendered as {@code {"error":{"code":…,"message":…}}}; never carries a stack trace to the client. Unchecked, as
 * the SDK's own exceptions are: every layer may refuse a request, and only the edge (the gateway adapter) renders it.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final long retryAfterSeconds;

    public ApiException(int status, String code, String message) {
        this(status, code, message, 0);
    }

    public ApiException(int status, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "unauthorized",
                "missing or unknown API key: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'");
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "not_found", what + " not found");
    }

    public static ApiException tooLarge(String code, String message) {
        return new ApiException(413, code, message);
    }

    public static ApiException unavailable(String code, String message, long retryAfterSeconds) {
        return new ApiException(503, code, message, retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Seconds a client should wait before retrying (429 and 503); 0 when not applicable. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
