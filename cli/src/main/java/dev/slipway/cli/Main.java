package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Timings;
import java.io.PrintWriter;

/** Entry point of the {@code slipway} command: builds the command tree and maps outcomes to exit codes. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Timings.enabled(); // starts its clock at main()
        long started = System.nanoTime();
        int code = run(args);
        Timings.since("the whole command (main to exit)", started);
        Timings.print(new PrintWriter(System.err, true));
        System.exit(code);
    }

    /** Runs the CLI against the real process and returns its exit code (0 success, 1 user error, 2 usage). */
    public static int run(String... args) {
        PrintWriter err = new PrintWriter(System.err, true);
        CliContext context;
        try {
            context = CliContext.ofProcess();
        } catch (InvalidInputException e) {
            // No home directory at all: nothing can be located, so say what to set before anything runs.
            e.problems().forEach(p -> err.println("slipway: " + p.describe()));
            return ExitCodes.USER_ERROR;
        }
        return run(context, new PrintWriter(System.out, true), err, args);
    }

    /** Runs the CLI with the given surroundings; tests capture {@code out} and {@code err}. */
    public static int run(CliContext context, PrintWriter out, PrintWriter err, String... args) {
        var commandLine = SlipwayCommand.forArguments(context, args);
        commandLine.setOut(out);
        commandLine.setErr(err);
        try {
            // Said once, the first time a command runs while the 0.x ~/.slipway is still the state directory.
            context.paths().legacyNoticeOnce().ifPresent(notice -> err.println("slipway: " + notice));
            return commandLine.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }
}
