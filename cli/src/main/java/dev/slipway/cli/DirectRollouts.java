package dev.slipway.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.ClusterResult;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentTarget;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.rollout.controller.EngineTracks;
import dev.slipway.rollout.controller.FileRolloutAudit;
import dev.slipway.rollout.controller.FileRolloutStore;
import dev.slipway.rollout.controller.FreezeGate;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutEvent;
import dev.slipway.rollout.controller.RolloutEvents;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RolloutStore;
import dev.slipway.rollout.controller.Tracks;
import dev.slipway.rollout.controller.TrafficStats;
import dev.slipway.rollout.feed.StageFileTraffic;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Help.Ansi;

/**
 * The rollout controller as the CLI runs it without a server: state in a {@link FileRolloutStore} under
 * Slipway's state directory, stages in the stages files routers started with {@code slipway router --env}
 * follow, and the deploy engine's tracks, built only when a call needs a cluster.
 */
final class DirectRollouts {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private DirectRollouts() {}

    /** Where the CLI keeps rollout state: {@code <state>/rollouts}. */
    static FileRolloutStore store(CliContext context) {
        return new FileRolloutStore(context.paths().state().resolve("rollouts"));
    }

    /** The audit log of the rollouts this machine keeps, beside their state. */
    static FileRolloutAudit audit(CliContext context) {
        return new FileRolloutAudit(context.paths().state().resolve("rollouts"));
    }

    /** {@code events}, after each transition is written to this machine's rollout audit log. */
    static RolloutEvents audited(CliContext context, RolloutEvents events) {
        return RolloutEvents.both(audit(context), events);
    }

    /**
     * The stored rollout, if any; a file that is not a rollout state (damaged, or from a newer Slipway) is a user
     * error naming it.
     */
    static Optional<RolloutState> load(CliContext context, RolloutKey key) {
        try {
            return store(context).load(key).map(RolloutStore.StoredRollout::state);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            if (e instanceof UncheckedIOException io && !(io.getCause() instanceof JsonProcessingException)) {
                throw io;
            }
            Path file = context.paths().state().resolve("rollouts").resolve(key.app());
            throw new InvalidInputException(new Problem(
                    file.resolve(key.environment() + ".json").toString(),
                    "this is not a rollout state this version of Slipway reads: " + e.getMessage(),
                    "if it was damaged, move it away and deploy again to start a new rollout (the canaries and"
                            + " stages stay as they are until then)"));
        }
    }

    /** Numbers for commands that never judge (only ticks do, and only {@code rollout run} ticks). */
    static TrafficStats noStats() {
        return key -> {
            throw new IllegalStateException("only slipway rollout run reads the routers' numbers");
        };
    }

    /**
     * A controller over the files of this machine; its tracks work on the environment {@code appDir}'s
     * slipway.yaml and the clusters file name, as {@code who} (promotions record it).
     */
    static RolloutController controller(
            CliContext context,
            Path appDir,
            ClusterOptions clusters,
            TrafficStats stats,
            RolloutEvents events,
            String who) {
        return controller(context, appDir, clusters, Optional.empty(), stats, events, who);
    }

    /** As above, the stages written to {@code stagesFile} when given (the file routers were told to follow). */
    static RolloutController controller(
            CliContext context,
            Path appDir,
            ClusterOptions clusters,
            Optional<Path> stagesFile,
            TrafficStats stats,
            RolloutEvents events,
            String who) {
        Path state = context.paths().createState();
        StageFileTraffic traffic =
                stagesFile.map(f -> new StageFileTraffic(key -> f)).orElseGet(() -> StageFileTraffic.under(state));
        Supplier<EngineTracks> engine = memoized(() -> new EngineTracks(
                Engines.open(context, clusters),
                key -> target(context, key, appDir, clusters),
                key -> DeployOptions.by(who).withHost(Engines.host(context))));
        Tracks tracks = new LocalTracksElsewhere(context, new LazyTracks(engine::get));
        // The environment's freezes on its clusters hold the rollout's steps, as they hold deploys. A rollout of
        // `slipway up` on this machine has no clusters, so no freezes.
        FreezeGate freezes = key ->
                onThisMachine(context, key) ? Optional.empty() : engine.get().frozen(key);
        return new RolloutController(
                store(context), stats, traffic, tracks, audited(context, events), context.clock(), freezes);
    }

    /** Whether {@code key}'s rollout is one of {@code slipway up} (its one cluster is this machine). */
    private static boolean onThisMachine(CliContext context, RolloutKey key) {
        return store(context)
                .load(key)
                .map(stored -> stored.state().cluster(LocalRollout.CLUSTER).isPresent())
                .orElse(false);
    }

    private static <T> Supplier<T> memoized(Supplier<T> make) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = make.get();
                }
                return value;
            }
        };
    }

    private static EnvironmentTarget target(CliContext context, RolloutKey key, Path appDir, ClusterOptions clusters) {
        return Engines.target(context, key.app(), key.environment(), appDir, clusters);
    }

    /**
     * After a deploy without a server that brought canaries up: starts the environment's rollout in the files
     * (so {@code rollout status} shows it and {@code rollout run} moves it) and says what to do next, or, when
     * {@code following}, that this process follows it.
     *
     * @return the deploy's exit code: 1 when the rollout could not start (another one is under way)
     */
    static int startAfterDeploy(
            CliContext context,
            Path appDir,
            ClusterOptions clusters,
            RolloutSpec spec,
            DeployReport report,
            String ref,
            boolean following,
            PrintWriter out,
            PrintWriter err,
            Ansi ansi) {
        List<String> canaries = report.canaryClusters();
        RolloutKey key = new RolloutKey(report.app(), report.environment());
        String who = Engines.who(context);
        RolloutController controller = controller(context, appDir, clusters, noStats(), printing(out), who);
        try {
            controller.start(key, spec, revision(report, canaries, ref), canaries, who);
        } catch (InvalidInputException refused) {
            for (Problem p : refused.problems()) {
                err.println(ansi.string("@|red,bold error:|@ ") + "the rollout did not start: " + p.describe());
            }
            return ExitCodes.USER_ERROR;
        }
        String command = " " + key.app() + " --env " + key.environment();
        if (following) {
            out.println(ansi.string("@|bold Canary up|@ on " + String.join(", ", canaries) + "; following its rollout"
                    + " here (this process moves it, as `slipway rollout run` does)."));
            out.flush();
            return ExitCodes.OK;
        }
        out.println(ansi.string("@|bold Canary up|@ on " + String.join(", ", canaries) + "; run `slipway rollout run"
                + command + "` to move traffic, or `slipway rollout promote|abort" + command + "`; see `slipway"
                + " rollout status" + command + "`."));
        return ExitCodes.OK;
    }

    /**
     * After a deploy without a server whose canary could not run on a cluster (the engine took it and the
     * canaries it brought up elsewhere away): records the revision's rollout as stopped with the reason, setting no
     * stage (stable never stopped serving), so {@code rollout status} tells what happened. A rollout under way is
     * left as it is, and said so.
     */
    static void recordFailedCanary(
            CliContext context,
            Path appDir,
            ClusterOptions clusters,
            RolloutSpec spec,
            DeployReport report,
            String ref,
            PrintWriter out,
            PrintWriter err,
            Ansi ansi) {
        ClusterResult failed = report.failedCanary().orElseThrow();
        List<String> attempts = report.canaryAttempts();
        RolloutKey key = new RolloutKey(report.app(), report.environment());
        String who = Engines.who(context);
        RolloutController controller = controller(context, appDir, clusters, noStats(), printing(out), who);
        try {
            controller.canaryFailed(
                    key,
                    spec,
                    revision(report, attempts, ref),
                    attempts,
                    Set.copyOf(report.canaryClusters()),
                    failed.cluster(),
                    failed.failure().orElseThrow().aboutObject(),
                    who);
        } catch (InvalidInputException refused) {
            for (Problem p : refused.problems()) {
                err.println(ansi.string("@|yellow,bold note:|@ ") + p.describe());
            }
            return;
        }
        out.println(ansi.string("@|bold Rollout stopped|@ before it started: the canary in " + failed.cluster()
                + " cannot run; see `slipway rollout status " + key.app() + " --env " + key.environment() + "`."));
    }

    /** The canary's revision as the rollout names it: its number (per cluster when they differ), and the ref. */
    static String revision(DeployReport report, List<String> canaries, String ref) {
        List<String> numbers = canaries.stream()
                .map(c -> report.cluster(c)
                        .flatMap(r -> r.revision().isPresent()
                                ? Optional.of(Integer.toString(r.revision().getAsInt()))
                                : Optional.empty())
                        .orElse("?"))
                .toList();
        String revision = numbers.stream().distinct().count() == 1
                ? numbers.get(0)
                : IntStream.range(0, canaries.size())
                        .mapToObj(i -> canaries.get(i) + ": " + numbers.get(i))
                        .collect(Collectors.joining(", "));
        return ref.isEmpty() ? revision : revision + " (ref " + ref + ")";
    }

    /** Prints each transition as one line: time, action, where, who, why. */
    static RolloutEvents printing(PrintWriter out) {
        return e -> {
            synchronized (out) {
                out.println(line(e));
                out.flush();
            }
        };
    }

    static String line(RolloutEvent e) {
        return TIME.format(e.at().truncatedTo(ChronoUnit.SECONDS)) + "  " + e.action() + "  " + e.target() + "  ("
                + e.actor() + ")" + (e.details().isEmpty() ? "" : ": " + e.details());
    }

    /**
     * A rollout {@code slipway up --next} runs ({@link LocalRollout}, cluster {@value LocalRollout#CLUSTER}) has
     * its tracks in that process: a promote or abort by hand leaves the call owed, and its next tick makes it.
     */
    private static final class LocalTracksElsewhere implements Tracks {
        private final CliContext context;
        private final Tracks clusters;

        LocalTracksElsewhere(CliContext context, Tracks clusters) {
            this.context = context;
            this.clusters = clusters;
        }

        /** Throws when {@code up --next} runs the tracks: the controller records it and leaves the call owed. */
        private void leftToUpNext(RolloutKey key, String cluster) {
            if (cluster.equals(LocalRollout.CLUSTER)) {
                context.localState().readNext(key.app()).ifPresent(n -> {
                    throw new IllegalStateException("slipway up --next of " + key.app() + " (pid " + n.pid()
                            + ") runs this rollout's tracks and does it on its next tick");
                });
            }
        }

        @Override
        public void promoteStable(RolloutKey key, String cluster) {
            leftToUpNext(key, cluster);
            clusters.promoteStable(key, cluster);
        }

        @Override
        public void removeCanary(RolloutKey key, String cluster) {
            leftToUpNext(key, cluster);
            clusters.removeCanary(key, cluster);
        }

        @Override
        public void abort(RolloutKey key, String cluster) {
            leftToUpNext(key, cluster);
            clusters.abort(key, cluster);
        }
    }

    /** Builds the engine's tracks on the first call: pause, resume and status need no cluster. */
    private static final class LazyTracks implements Tracks {
        private final Supplier<Tracks> make;
        private Tracks tracks;

        LazyTracks(Supplier<Tracks> make) {
            this.make = make;
        }

        private synchronized Tracks tracks() {
            if (tracks == null) {
                tracks = make.get();
            }
            return tracks;
        }

        @Override
        public void promoteStable(RolloutKey key, String cluster) {
            tracks().promoteStable(key, cluster);
        }

        @Override
        public void removeCanary(RolloutKey key, String cluster) {
            tracks().removeCanary(key, cluster);
        }

        @Override
        public void abort(RolloutKey key, String cluster) {
            tracks().abort(key, cluster);
        }
    }
}
