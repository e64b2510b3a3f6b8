package dev.ebb.local.cli;

/**
 * What the {@code ebb} command's exit status says (README, "Exit codes"). Scripts can tell a job that failed from an
 * API that refused the request from an API that is not there.
 */
public final class ExitCodes {
    /** Done: the request succeeded, the job (where one was waited for) SUCCEEDED. */
    public static final int OK = 0;
    /** The job ended FAILED or CANCELLED, or a check (demo, fault suite) did not pass. */
    public static final int FAILED = 1;
    /** The command line was wrong: unknown command or flag, a missing or bad value. Usage is printed. */
    public static final int USAGE = 2;
    /** The API answered with an error ({@code 4xx}/{@code 5xx}); its code and message are printed. */
    public static final int API_ERROR = 3;
    /** Nothing answered at the API's address (is {@code ebb up} running? is {@code --url} right?). */
    public static final int UNREACHABLE = 4;
    /** {@code --timeout} passed before the job ended; it goes on running. */
    public static final int TIMEOUT = 5;
    /** Interrupted (Ctrl-C). */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
