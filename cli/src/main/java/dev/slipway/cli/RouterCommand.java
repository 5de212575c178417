package dev.slipway.cli;

import dev.slipway.router.Router;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code slipway router}: runs the traffic front end until stopped. */
@Command(
        name = "router",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the Slipway router (HTTP/1.1 reverse proxy) with route timeouts, staged migration and cluster"
                    + " failover.",
            "The config file is reloaded when it changes and on SIGHUP; an invalid file is reported and the"
                    + " previous config keeps serving. SIGTERM/SIGINT drain: no new connections, open ones close"
                    + " after their current request.",
            "Admin API (loopback by default): GET /healthz, /metrics, /config; POST /routes/NAME/stage"
                    + " (body: off|optin|rps N|percent N|full|rollback), /reload, /drain. See docs/router.md."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway router --config router.yaml",
            "  curl -s -XPOST 127.0.0.1:9901/routes/web/stage -d 'percent 10'   # move 10%% of web to backend B",
            "  curl -s 127.0.0.1:9901/metrics | grep slipway_router_requests_total"
        })
final class RouterCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RouterCommand.class);

    @Option(
            names = "--config",
            required = true,
            paramLabel = "FILE",
            description = "Router config file (YAML; format in docs/router.md).")
    Path config;

    @Option(
            names = "--drain-seconds",
            defaultValue = "30",
            paramLabel = "N",
            description = "On shutdown, wait at most N seconds for open requests (default: ${DEFAULT-VALUE}).")
    int drainSeconds;

    @Override
    public Integer call() {
        Router router = Router.start(config);
        System.out.println("slipway router listening on " + router.address() + ", admin on " + router.adminAddress());
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                Router.ReloadOutcome outcome = router.reload();
                if (!outcome.applied()) {
                    outcome.problems().forEach(p -> log.warn("reload rejected: {}", p.describe()));
                }
            });
        } catch (IllegalArgumentException e) {
            log.info("SIGHUP is not available here; the router reloads on file changes only");
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            router.drain(Duration.ofSeconds(drainSeconds)).join();
                            router.close();
                        },
                        "slipway-router-shutdown"));
        router.terminated().join();
        return ExitCodes.OK;
    }
}
