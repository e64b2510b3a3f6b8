package dev.ebb.local.cli;

/**
 * Progress of long work (waiting for a job, a benchmark round, a fault run, a simulation), drawn as a bar on stderr
 * when stderr is a terminal and not at all otherwise, so that piped output and logs stay clean.
 */
public interface Progress extends AutoCloseable {
    /** Draws nothing. */
    Progress NONE = new Progress() {
        @Override
        public void start(String task, long total) {
        }

        @Override
        public void stepTo(long done) {
        }

        @Override
        public void message(String text) {
        }

        @Override
        public void close() {
        }
    };

    /** Set by the {@code ebb} launcher when stderr is a terminal ({@code [ -t 2 ]}). */
    String TERMINAL_PROPERTY = "ebb.stderr.terminal";

    /** A bar on stderr where stderr is a terminal, else {@link #NONE}. */
    static Progress onStderr() {
        return Boolean.getBoolean(TERMINAL_PROPERTY) ? new TerminalProgress() : NONE;
    }

    /** Begins a new piece of work of {@code total} steps ({@code -1}: unknown), ending the one before. */
    void start(String task, long total);

    void stepTo(long done);

    /** A short note beside the bar (a job's status). */
    void message(String text);

    @Override
    void close();
}
