package dev.slipway.cli;

import dev.slipway.api.RolloutStages;
import dev.slipway.api.SlipwayClient;
import dev.slipway.cli.RolloutStatusText.ClusterView;
import dev.slipway.cli.RolloutStatusText.View;
import dev.slipway.core.InvalidInputException;
import dev.slipway.rollout.controller.RolloutKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Help.Ansi;

/**
 * Follows a rollout until it settles, showing every change through a {@link RolloutFollowDisplay}: what {@code
 * slipway deploy} does after bringing a canary up, and {@code slipway rollout status --watch}. The rollout comes
 * from a {@link Feed}: this machine's state file, or a server's API.
 */
final class RolloutFollow {
    /** How long one long poll of a server's stages waits before the rollout is read again anyway. */
    static final Duration SERVER_WAIT = Duration.ofSeconds(2);

    /** How long the state file's directory is watched before the file is read again anyway. */
    private static final Duration FILE_WAIT = Duration.ofSeconds(1);

    private RolloutFollow() {}

    /** Where a followed rollout comes from. */
    interface Feed extends AutoCloseable {
        /**
         * The rollout now: at once on the first call, later once it may have changed (or after a while, so a
         * change nothing announces is seen too). Empty when there is no rollout (any more).
         */
        Optional<View> next() throws InterruptedException;

        @Override
        default void close() {}
    }

    /**
     * The rollout kept in this machine's files: read again whenever its directory changes (the store replaces the
     * file whole), and at least every second.
     */
    static Feed files(CliContext context, RolloutKey key) {
        Path dir = context.paths().state().resolve("rollouts").resolve(key.app());
        WatchService watch;
        try {
            watch = FileSystems.getDefault().newWatchService();
            dir.register(
                    watch,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + dir + " for the rollout's changes", e);
        }
        return new Feed() {
            private boolean first = true;

            @Override
            public Optional<View> next() throws InterruptedException {
                if (!first) {
                    // several saves at once are one change to show
                    WatchKey k = watch.poll(FILE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    while (k != null) {
                        k.pollEvents();
                        k.reset();
                        k = watch.poll();
                    }
                }
                first = false;
                return DirectRollouts.load(context, key).map(RolloutStatusText::view);
            }

            @Override
            public void close() {
                try {
                    watch.close();
                } catch (IOException e) {
                    // nothing held that matters
                }
            }
        };
    }

    /**
     * The rollout a server runs: each read waits in a long poll of its stages ({@code GET …/rollout/stages}), which
     * answers as soon as a stage changes and otherwise after {@link #SERVER_WAIT}, then reads {@code GET …/rollout}.
     */
    static Feed server(SlipwayClient client, String url, RolloutKey key) {
        return new Feed() {
            private long version;
            private boolean first = true;

            @Override
            public Optional<View> next() throws InterruptedException {
                try {
                    RolloutStages stages = client.rolloutStages(
                            key.app(), key.environment(), version, first ? Duration.ZERO : SERVER_WAIT);
                    version = stages.version();
                    first = false;
                    return Optional.of(RolloutStatusText.view(client.rollout(key.app(), key.environment()), url));
                } catch (InvalidInputException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("stopped following");
                    }
                    throw RolloutCommand.throughServer(e, url, key);
                }
            }
        };
    }

    /**
     * Shows the rollout from {@code feed} until it settles, then concludes: exit 0 promoted, 1 stopped (aborted or
     * failed) with each cluster's reason and numbers on {@code err}. Ctrl-C (the JVM shutting down) or an interrupt
     * stops following only: {@code onStop} runs, then {@code stopped} is said, and the exit code is 0.
     *
     * @return the exit code
     *
     * @param stopped what to say when following stops before the rollout settled, e.g. how to follow again
     */
    static int follow(
            Feed feed,
            RolloutFollowDisplay display,
            Runnable onStop,
            String stopped,
            PrintWriter out,
            PrintWriter err,
            Ansi ansi) {
        AtomicBoolean done = new AtomicBoolean();
        Runnable stop = () -> {
            if (done.compareAndSet(false, true)) {
                onStop.run();
                display.line(stopped);
            }
        };
        Thread hook = new Thread(stop, "rollout-follow-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (feed) {
            while (true) {
                Optional<View> view = feed.next();
                if (view.isEmpty()) {
                    done.set(true);
                    onStop.run();
                    err.println(ansi.string("@|red,bold error:|@ ")
                            + "the rollout is gone: its state was removed while it was followed");
                    return ExitCodes.USER_ERROR;
                }
                if (view.get().settled()) {
                    done.set(true);
                    onStop.run();
                    display.end(view.get());
                    return conclude(view.get(), out, err, ansi);
                }
                display.show(view.get());
            }
        } catch (InterruptedException e) {
            stop.run();
            return ExitCodes.OK;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and says the last word.
            }
        }
    }

    /** The last word on a settled rollout: exit 0 when promoted; else 1, with each stopped cluster's why. */
    static int conclude(View end, PrintWriter out, PrintWriter err, Ansi ansi) {
        String command = " " + end.app() + " --env " + end.environment()
                + end.server().map(u -> " --server " + u).orElse("");
        if (end.promoted()) {
            out.println(ansi.string("@|green Promoted|@: " + end.app() + " revision " + end.revision()
                    + " is stable in " + end.environment() + "."));
            out.flush();
            return ExitCodes.OK;
        }
        List<String> why = new ArrayList<>();
        for (ClusterView c : end.clusters()) {
            if (c.status().equals("aborted") || c.status().equals("failed")) {
                String check = c.check()
                        .filter(k -> !k.reason().isEmpty())
                        .map(k -> " (last check: " + k.reason() + ")")
                        .orElse("");
                why.add("  " + c.cluster() + ": " + c.status() + (c.reason().isEmpty() ? "" : ": " + c.reason())
                        + check);
            }
        }
        err.println(ansi.string("@|red,bold error:|@ ") + "the rollout of " + end.app() + " revision " + end.revision()
                + " in " + end.environment() + " was stopped; traffic is on stable");
        why.forEach(err::println);
        err.println("Start it again with `slipway rollout retry" + command + "` once the canary runs again, or deploy"
                + " a fixed revision.");
        err.flush();
        return ExitCodes.USER_ERROR;
    }
}
