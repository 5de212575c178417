package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.ClusterFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Maps outcomes to exit codes and prints user errors as advice, never as stack traces. */
final class ExitCodes {
    static final int OK = 0;
    static final int USER_ERROR = 1;
    static final int USAGE = 2;

    private static final Logger LOG = LoggerFactory.getLogger(ExitCodes.class);

    private ExitCodes() {}

    static int forException(Throwable t) {
        return t instanceof CommandLine.ParameterException ? USAGE : USER_ERROR;
    }

    static int handleExecutionException(Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        var err = commandLine.getErr();
        if (ex instanceof InvalidInputException invalid) {
            for (Problem p : invalid.problems()) {
                err.println(commandLine.getColorScheme().errorText("error: ") + p.describe());
            }
            return USER_ERROR;
        }
        if (ex instanceof ClusterFailureException failure) {
            err.println(commandLine.getColorScheme().errorText("error: ")
                    + failure.failure().toProblem().describe());
            return USER_ERROR;
        }
        if (ex instanceof dev.slipway.core.UserFacingException user) {
            err.println(commandLine.getColorScheme().errorText("error: ") + user.getMessage());
            return USER_ERROR;
        }
        // A bug, not a user error: the trace goes to the log (stderr), which a bug report needs.
        err.println("slipway: internal error (" + ex.getClass().getSimpleName()
                + "); please report it with the output below");
        err.flush();
        LOG.error("internal error", ex);
        return USER_ERROR;
    }
}
