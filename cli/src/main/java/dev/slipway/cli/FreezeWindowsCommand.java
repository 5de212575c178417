package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.cluster.Cluster;
import dev.slipway.core.deploy.Freeze;
import dev.slipway.core.deploy.FreezeWindows;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway freeze-windows}: recurring deploy freezes (cron, duration, time zone) kept on every cluster. */
@Command(
        name = "freeze-windows",
        mixinStandardHelpOptions = true,
        description = {
            "Recurring deploy freezes: a windows file (each window a cron start, a duration, a time zone, the"
                    + " environments it freezes and why; see docs/cli.md) kept on every cluster of the clusters"
                    + " file (or of --group), in ConfigMap slipway-freeze-windows of namespace slipway-system.",
            "",
            "Every deploy and rollback reads it on each cluster before writing anything, from any path (this"
                    + " CLI, a server, chat), and is refused while a window holds, naming the window, why and"
                    + " until when; deploy --override-freeze REASON goes through once."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  slipway freeze-windows set freeze-windows.yaml",
            "  slipway freeze-windows show --env production",
            "  slipway freeze-windows clear"
        },
        subcommands = {FreezeWindowsCommand.Set.class, FreezeWindowsCommand.Show.class, FreezeWindowsCommand.Clear.class
        })
final class FreezeWindowsCommand implements Runnable {
    @ParentCommand
    SlipwayCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the windows are kept: the clusters file's clusters, or one group's. */
    abstract static class OnClusters {
        @ParentCommand
        FreezeWindowsCommand parent;

        @Spec
        CommandSpec spec;

        @Mixin
        ClusterOptions clusters;

        @Option(
                names = "--group",
                paramLabel = "GROUP",
                description = "Only the clusters of this group (default: every cluster of the clusters file).")
        String group;

        CliContext context() {
            return parent.root.context();
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        List<Cluster> targets() {
            return clusters.load(context()).clustersOf(java.util.Optional.ofNullable(group));
        }
    }

    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            description = "Checks FILE (every problem with file:line) and keeps it on every cluster, replacing the"
                    + " windows there; nothing is written when it has a problem.",
            footerHeading = "%nExamples:%n",
            footer = {
                "  slipway freeze-windows set freeze-windows.yaml",
                "  slipway freeze-windows set freeze-windows.yaml --group production"
            })
    static final class Set extends OnClusters implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The windows file (YAML, see docs/cli.md).")
        Path file;

        @Override
        public Integer call() {
            FreezeWindows windows = FreezeWindows.load(context().resolve(file));
            List<Cluster> targets = targets();
            return EveryAppOptions.report(
                    out(),
                    targets,
                    Engines.open(context(), clusters).setFreezeWindows(targets, Optional.of(windows.text())),
                    windows.windows().size() + " freeze window(s) kept");
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Each cluster's windows: which holds now and when each next starts.",
            footerHeading = "%nExamples:%n",
            footer = {"  slipway freeze-windows show", "  slipway freeze-windows show --env production"})
    static final class Show extends OnClusters implements Callable<Integer> {
        @Option(
                names = "--env",
                paramLabel = "ENV",
                description = "Only what freezes this environment (default: every window).")
        String environment;

        @Override
        public Integer call() {
            Instant now = context().clock().instant();
            Map<String, Optional<String>> byCluster =
                    Engines.open(context(), clusters).freezeWindows(targets());
            PrintWriter out = out();
            byCluster.forEach((cluster, text) -> {
                if (text.isEmpty()) {
                    out.println(cluster + ": no freeze windows");
                    return;
                }
                final FreezeWindows windows;
                try {
                    windows = FreezeWindows.parse(text.get(), Path.of("cluster " + cluster));
                } catch (InvalidInputException e) {
                    out.println(cluster + ": its windows cannot be read, so every deploy to it is refused ("
                            + e.problems().get(0).describe() + "): set them again with slipway freeze-windows set"
                            + " FILE");
                    return;
                }
                out.println(cluster + ":");
                for (FreezeWindows.Window w : windows.windows()) {
                    String env =
                            environment != null ? environment : w.environments().get(0);
                    if (environment != null && !w.appliesTo(environment)) {
                        continue;
                    }
                    Optional<Freeze> holding =
                            windows.activeAt(env, now).filter(f -> f.by().equals("window " + w.name()));
                    out.println("  " + w.name() + " (" + String.join(", ", w.environments()) + "): " + w.cron() + " "
                            + w.timeZone() + " for " + dev.slipway.core.spec.Durations.format(w.duration()) + " — "
                            + w.reason()
                            + holding.map(f -> "; HOLDS NOW until " + f.until().orElseThrow())
                                    .orElseGet(() -> windows.nextStart(env, now)
                                            .map(n -> "; next " + n)
                                            .orElse("")));
                }
            });
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "clear",
            mixinStandardHelpOptions = true,
            description = "Removes the windows from every cluster: only one-off freezes (slipway freeze) remain.",
            footerHeading = "%nExamples:%n",
            footer = {"  slipway freeze-windows clear", "  slipway freeze-windows clear --group staging"})
    static final class Clear extends OnClusters implements Callable<Integer> {
        @Override
        public Integer call() {
            List<Cluster> targets = targets();
            return EveryAppOptions.report(
                    out(),
                    targets,
                    Engines.open(context(), clusters).setFreezeWindows(targets, Optional.empty()),
                    "freeze windows removed");
        }
    }
}
