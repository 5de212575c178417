package dev.slipway.cli;

import dev.slipway.api.SlipwayClient;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.rollout.feed.ClusterFeed;
import dev.slipway.rollout.feed.FeedSettings;
import dev.slipway.rollout.feed.FileStageSource;
import dev.slipway.rollout.feed.HttpStageSource;
import dev.slipway.rollout.feed.StageFile;
import dev.slipway.rollout.feed.StageSource;
import dev.slipway.router.AdminToken;
import dev.slipway.router.Router;
import dev.slipway.router.RouterConfig;
import dev.slipway.router.RouterConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/** {@code slipway router}: runs the traffic front end until stopped, from its file or fed by the clusters. */
@Command(
        name = "router",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the Slipway router (HTTP/1.1 reverse proxy) with route timeouts, staged migration and cluster"
                    + " failover, either from a config file (--config) or fed by the clusters of an environment"
                    + " (--env, with --clusters and --app).",
            "With --config the file is reloaded when it changes and on SIGHUP; an invalid file is reported and"
                    + " the previous config keeps serving.",
            "Fed by clusters, the router watches the app's NodePort Services (tracks stable and canary) on every"
                    + " cluster of the environment's group and routes each service to the cluster's nodes at its"
                    + " nodePort, weighted as the clusters file says. Its canary stages follow the stages file"
                    + " `slipway rollout run` writes (--stages; all off, i.e. all on stable, while there is none),"
                    + " or, with --server URL (or $SLIPWAY_SERVER, or server: in config.yaml), the stages of the"
                    + " rollout that server runs, long-polled through its API with a read token (--token-file or"
                    + " slipway login; never on the command line). A cluster whose API cannot be reached, or a"
                    + " stages file or server that cannot be read, keeps the last good config and /healthz says"
                    + " degraded.",
            "SIGTERM/SIGINT drain: no new connections, open ones close after their current request.",
            "Admin API (loopback by default): GET /healthz, /metrics, /config; POST /routes/NAME/stage"
                    + " (body: off|optin|rps N|percent N|full|rollback), /reload, /drain. See docs/router.md."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway router --config router.yaml",
            "  slipway router --env production --app examples/acme-web --clusters clusters.yaml",
            "  slipway router --env production --app . --host shop.example.com --listen 0.0.0.0:80",
            "  slipway router --env production --app . --server https://slipway.internal:7420 --token-file router.token",
            "  curl -s -XPOST 127.0.0.1:9901/routes/web/stage -d 'percent 10'   # move 10%% of web to backend B",
            "  curl -s 127.0.0.1:9901/metrics | grep slipway_router_requests_total"
        })
final class RouterCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RouterCommand.class);

    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Router config file (YAML; format in docs/router.md). Not with --env.")
    Path config;

    @Option(
            names = "--env",
            paramLabel = "ENV",
            description = "Be fed by the clusters: the environment (of the app's slipway.yaml) whose cluster group"
                    + " and namespace are watched. Not with --config.")
    String environment;

    @Option(
            names = {"--app", "--app-dir"},
            paramLabel = "DIR",
            description =
                    "With --env: the app's directory, holding its slipway.yaml (default: the current" + " directory).")
    Path appDir;

    @Mixin
    ClusterOptions clusters;

    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT",
            description = "With --env: where clients connect (default: 0.0.0.0:8080).")
    String listen;

    @Option(
            names = "--admin",
            paramLabel = "HOST:PORT",
            description = "With --env: the admin API; keep it on loopback (default: 127.0.0.1:9901).")
    String admin;

    @Option(
            names = "--admin-token-file",
            paramLabel = "FILE",
            description = "With --env: a 0600 file whose first line is the admin API's bearer token.")
    Path adminTokenFile;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            description = "With --env: the first routable service answers HOST, the others <service>.HOST"
                    + " (default: the first answers any host; required when the app has several).")
    String host;

    @Option(
            names = "--site",
            paramLabel = "SITE",
            description = "With --env: the site (the clusters file's site:) this router runs at. Its clusters"
                    + " take the traffic while one of them is healthy; the other sites' clusters only when none"
                    + " is. Default: no preference, every cluster by its weight.")
    String site;

    @Option(
            names = "--telemetry",
            paramLabel = "FILE",
            description = "With --env: a YAML file with the access log and tracing settings, as the accessLog:"
                    + " and tracing: of a router config (docs/router.md, Access log and tracing). Default: no"
                    + " access log, no span export; trace context is always forwarded.")
    Path telemetryFile;

    @Option(
            names = "--stages",
            paramLabel = "FILE",
            description = "With --env: the stages file to follow (default: rollouts/APP/ENV.stages.json in"
                    + " Slipway's state directory, where `slipway rollout run` writes it).")
    Path stagesFile;

    @Mixin
    ServerOptions server;

    @Option(
            names = "--drain-seconds",
            defaultValue = "30",
            paramLabel = "N",
            description = "On shutdown, wait at most N seconds for open requests (default: ${DEFAULT-VALUE}).")
    int drainSeconds;

    @Override
    public Integer call() {
        boolean fedOption = appDir != null
                || clusters.clustersFile != null
                || clusters.kubeconfig != null
                || listen != null
                || admin != null
                || adminTokenFile != null
                || host != null
                || stagesFile != null
                || telemetryFile != null;
        boolean serverFlag = server.url != null && !server.url.isBlank();
        if (config != null && (environment != null || fedOption || serverFlag)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--config and --env (with --app, --clusters, --kubeconfig, --listen, --admin,"
                            + " --admin-token-file, --host, --stages, --telemetry, --server) are exclusive: the router"
                            + " is either read from its file (which holds accessLog: and tracing: itself) or fed by the"
                            + " clusters");
        }
        if (serverFlag && stagesFile != null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--stages and --server are exclusive: the stages come either from a stages file or from the"
                            + " server's rollout");
        }
        if (config == null && environment == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    fedOption
                            ? "being fed by the clusters needs --env ENV"
                            : "give --config FILE, or --env ENV to be fed by the clusters");
        }
        return config != null ? fromFile() : fedByClusters();
    }

    private Integer fromFile() {
        Router router = Router.start(root.context().resolve(config));
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
        return runUntilStopped(router, router::close);
    }

    /** {@code site} when the group has a cluster there, else a refusal that lists the group's sites. */
    private static String siteOf(ClusterGroup group, String site) {
        List<String> sites =
                group.clusters().stream().map(Cluster::site).distinct().sorted().toList();
        if (!sites.contains(site)) {
            throw new InvalidInputException(new Problem(
                    "--site",
                    "no cluster of group '" + group.name() + "' is at site '" + site + "'",
                    "name one of its sites: " + String.join(", ", sites)));
        }
        return site;
    }

    private Integer fedByClusters() {
        CliContext context = root.context();
        App app = AppLoader.load(context.resolve(appDir == null ? Path.of(".") : appDir));
        EnvironmentSpec env = app.spec().resolveEnvironment(environment);
        ClusterGroup group = clusters.load(context).groupOf(env);
        FeedSettings settings = new FeedSettings(
                FeedSettings.address(listen == null ? "0.0.0.0:8080" : listen, "--listen"),
                FeedSettings.address(admin == null ? "127.0.0.1:9901" : admin, "--admin"),
                Optional.ofNullable(adminTokenFile).map(context::resolve).map(AdminToken::read),
                Optional.ofNullable(host),
                telemetryFile == null
                        ? RouterConfig.Telemetry.defaults()
                        : RouterConfigLoader.loadTelemetry(context.resolve(telemetryFile)),
                Optional.ofNullable(site).map(s -> siteOf(group, s)));
        // An explicit --stages wins over a default server ($SLIPWAY_SERVER, config.yaml); --server with it is refused.
        Optional<String> from = stagesFile != null ? Optional.empty() : server.server(context);
        String stagesFrom;
        StageSource source;
        if (from.isPresent()) {
            // The token comes from --token-file, $SLIPWAY_TOKEN_FILE, config.yaml or the login store: never argv.
            SlipwayClient client = server.connect(context);
            source = HttpStageSource.follow(client, app.spec().app(), env.name(), HttpStageSource.Settings.defaults());
            stagesFrom = "the server " + from.get();
        } else {
            Path stages = stagesFile != null
                    ? context.resolve(stagesFile)
                    : StageFile.defaultPath(context.paths().state(), app.spec().app(), env.name());
            source = FileStageSource.follow(stages, FileStageSource.DEFAULT_POLL, context.clock());
            stagesFrom = stages.toString();
        }
        ClusterFeed feed;
        try {
            feed = ClusterFeed.start(
                    app.spec(),
                    env,
                    group,
                    KubeClusterTargets.fromKubeconfig(Optional.of(clusters.kubeconfigFile(context))),
                    source,
                    settings);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
        Router router = feed.router();
        System.out.println("slipway router listening on " + router.address() + ", admin on " + router.adminAddress()
                + ", fed by cluster group " + group.name() + " for "
                + app.spec().app() + " " + env.name() + ", stages from " + stagesFrom);
        return runUntilStopped(router, feed::close);
    }

    private Integer runUntilStopped(Router router, Runnable close) {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            router.drain(Duration.ofSeconds(drainSeconds)).join();
                            close.run();
                        },
                        "slipway-router-shutdown"));
        router.terminated().join();
        return ExitCodes.OK;
    }
}
