package dev.slipway.cli;

/** Entry point of the {@code slipway} command: builds the command tree and maps outcomes to exit codes. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (0 success, 1 user error, 2 usage error). */
    public static int run(String... args) {
        return SlipwayCommand.commandLine().execute(args);
    }
}
