package dev.slipway.cli;

/** The {@code slipway lab} commands with --server: labs the server deploys and reaps. */
final class ServerLabs {
    private ServerLabs() {}

    static int up(LabUpCommand command, CliContext context) {
        throw notYet();
    }

    static int list(LabListCommand command, CliContext context) {
        throw notYet();
    }

    static int down(LabDownCommand command, CliContext context) {
        throw notYet();
    }

    static int extend(LabExtendCommand command, CliContext context) {
        throw notYet();
    }

    private static UserFacingException notYet() {
        return new UserFacingException("server labs are being built; see the open issue");
    }
}
