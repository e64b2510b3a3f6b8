package dev.ebb.local.bench;

import dev.ebb.local.cli.Progress;
import java.io.PrintStream;

/** Placeholder, replaced below. */
public final class FunctionColdStartBench {
    private FunctionColdStartBench() {
    }

    public static int run(int rounds, PrintStream out, Progress progress) {
        return 0;
    }
}
