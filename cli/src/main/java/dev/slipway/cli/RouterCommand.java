package dev.slipway.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code slipway router}: runs the traffic front end. */
@Command(
        name = "router",
        mixinStandardHelpOptions = true,
        description = "Runs the Slipway router (HTTP reverse proxy).")
final class RouterCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Router config file (see docs/router.md).")
    Path config;

    @Override
    public Integer call() {
        throw new UserFacingException("the router is not built yet");
    }
}
