package dev.slipway.cli;

import java.io.PrintWriter;

/** Entry point of the {@code slipway} command: builds the command tree and maps outcomes to exit codes. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI against the real process and returns its exit code (0 success, 1 user error, 2 usage). */
    public static int run(String... args) {
        return run(CliContext.ofProcess(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the CLI with the given surroundings; tests capture {@code out} and {@code err}. */
    public static int run(CliContext context, PrintWriter out, PrintWriter err, String... args) {
        var commandLine = SlipwayCommand.forArguments(context, args);
        commandLine.setOut(out);
        commandLine.setErr(err);
        try {
            return commandLine.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }
}
