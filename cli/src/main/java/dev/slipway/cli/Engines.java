package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.cluster.ClusterGroup;
import dev.slipway.core.cluster.ClustersConfig;
import dev.slipway.core.deploy.DeployEngine;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.EnvironmentSpec;
import dev.slipway.kube.KubeClusterTargets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Builds the deploy engine and the environment targets the cluster-facing commands work on. */
final class Engines {
    private Engines() {}

    /** An engine over the kubeconfig the options (or the environment) name. */
    static DeployEngine open(CliContext context, ClusterOptions options) {
        return new DeployEngine(
                KubeClusterTargets.fromKubeconfig(Optional.of(options.kubeconfigFile(context))), context.clock());
    }

    /**
     * Where {@code appName}'s environment lives, read from the app's slipway.yaml (environment → group and
     * namespace) and the clusters file (group → clusters).
     */
    static EnvironmentTarget target(
            CliContext context, String appName, String environment, Path appDir, ClusterOptions options) {
        Path dir = context.resolve(appDir);
        App app = AppLoader.load(dir);
        if (!app.spec().app().equals(appName)) {
            throw new InvalidInputException(new Problem(
                    app.spec().source().toString(),
                    "this is app '" + app.spec().app() + "', not '" + appName + "'",
                    "pass the directory of app '" + appName + "' with --app-dir (it defaults to the current"
                            + " directory)"));
        }
        EnvironmentSpec env = app.spec()
                .environment(environment)
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        app.spec().source().toString(),
                        "unknown environment '" + environment + "'; this app declares: "
                                + String.join(", ", app.spec().environments().keySet()),
                        "pass one of those with --env")));
        ClustersConfig clusters = options.load(context);
        ClusterGroup group = clusters.group(env.group())
                .orElseThrow(() -> new InvalidInputException(new Problem(
                        clusters.source().toString(),
                        "environment '" + environment + "' deploys to cluster group '" + env.group()
                                + "', which this clusters file does not define",
                        "add the group to the clusters file or pass the right one with --clusters")));
        return new EnvironmentTarget(appName, environment, group, env.namespace());
    }

    /**
     * The machine deploying, shown with the user to anyone refused the lock ({@code alice@laptop}): {@code
     * $SLIPWAY_HOST}, else the host name (the kernel's on Linux, so no name lookup can stall a deploy), else "".
     */
    static String host(CliContext context) {
        return context.envValue("SLIPWAY_HOST")
                .or(() -> context.envValue("HOSTNAME"))
                .or(Engines::kernelHostName)
                .or(Engines::lookedUpHostName)
                .orElse("");
    }

    private static Optional<String> kernelHostName() {
        try {
            Path file = Path.of("/proc/sys/kernel/hostname");
            return Files.isReadable(file)
                    ? Optional.of(Files.readString(file).strip()).filter(h -> !h.isEmpty())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> lookedUpHostName() {
        try {
            return Optional.of(InetAddress.getLocalHost().getHostName()).filter(h -> !h.isEmpty());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Who deploys, as recorded in revisions and shown to anyone refused the lock. */
    static String who(CliContext context) {
        return context.envValue("SLIPWAY_USER")
                .or(() -> context.envValue("USER"))
                .or(() -> Optional.ofNullable(System.getProperty("user.name")))
                .orElse("unknown");
    }
}
