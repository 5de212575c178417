package dev.slipway.cli;

/** The {@code slipway lab} commands without --server: labs as local processes beside slipway up. */
final class LocalLabs {
    private LocalLabs() {}

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
        return new UserFacingException("local labs are being built; see the open issue");
    }
}
