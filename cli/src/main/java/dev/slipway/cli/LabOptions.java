package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Which lab a {@code slipway lab} command means: the app (by directory or name) and the branch. */
final class LabOptions {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "DIR",
            description = "App directory (default: .); its slipway.yaml names the app.")
    Path directory;

    @Option(
            names = "--app",
            paramLabel = "APP",
            description = "App name, instead of reading it from DIR/slipway.yaml.")
    String app;

    @Option(
            names = {"-b", "--branch"},
            paramLabel = "BRANCH",
            description = "The lab's branch (default: the branch checked out in DIR).")
    String branch;

    /** The app directory, resolved against the working directory. */
    Path directory(CliContext context) {
        return context.resolve(directory == null ? Path.of(".") : directory);
    }

    /** The branch given, else the one checked out in the app directory. */
    String branch(CliContext context) {
        if (branch != null) {
            return branch;
        }
        Path dir = directory(context);
        return GitCheckout.of(dir)
                .branch()
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        "--branch",
                        "no branch given, and " + dir + " has no git branch checked out",
                        "name the lab's branch, e.g. --branch feature/faster")));
    }
}
