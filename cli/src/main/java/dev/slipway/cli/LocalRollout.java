package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.ServiceSpec;
import dev.slipway.local.LocalApp;
import dev.slipway.local.LocalRequests;
import dev.slipway.local.LocalRouting;
import dev.slipway.local.LocalState;
import dev.slipway.local.LocalUp;
import dev.slipway.rollout.controller.ClusterRollout;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutEvents;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutRunner;
import dev.slipway.rollout.controller.RolloutState;
import dev.slipway.rollout.controller.RouterTrafficStats;
import dev.slipway.rollout.controller.Tracks;
import dev.slipway.rollout.controller.Traffic;
import dev.slipway.rollout.controller.TrafficReading;
import dev.slipway.rollout.controller.TrafficStats;
import dev.slipway.router.RouterStats;
import dev.slipway.router.Stage;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollout controller as {@code slipway up --next} runs it for an environment with {@code rollout:}: the
 * same controller as on clusters, against the running {@code up}'s router. The running revision is stable, the
 * next one the canary, one cluster named {@value #CLUSTER}; state in the CLI's rollout files, so {@code slipway
 * rollout status} shows it.
 */
final class LocalRollout implements AutoCloseable {
    /** The one "cluster" of a local rollout: the router in front of both revisions. */
    static final String CLUSTER = "local";

    private static final Logger log = LoggerFactory.getLogger(LocalRollout.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final RolloutController controller;
    private final RolloutKey key;
    private final String who;
    private final PrintWriter out;
    private final ScheduledExecutorService executor;
    private final RolloutRunner runner;
    private final CompletableFuture<RolloutState> settled = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalRollout(
            RolloutController controller, RouterStages stages, RolloutKey key, String who, PrintWriter out) {
        this.controller = controller;
        this.key = key;
        this.who = who;
        this.out = out;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rollout-controller");
            t.setDaemon(true);
            return t;
        });
        // Before each tick the router gets the stored stages again: slipway rollout resume, pause or promote in
        // another terminal change the stored state only (their controller has no way to this router). After it, a
        // look at the state tells the command when the rollout settled.
        RolloutRunner.Scheduler scheduler = (task, delay) -> {
            ScheduledFuture<?> f = executor.schedule(
                    () -> {
                        applyStoredStages(stages);
                        task.run();
                        controller.status(key).filter(RolloutState::settled).ifPresent(settled::complete);
                    },
                    delay.toMillis(),
                    TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
        this.runner = new RolloutRunner(controller, scheduler);
    }

    /**
     * Starts rolling {@code next} out by {@code spec}, printing every transition to {@code out}; a rollout of
     * the environment a previous {@code up --next} left under way (killed before it settled) is aborted first,
     * its revision being gone.
     *
     * @throws UserFacingException when a rollout of the environment on clusters is under way (a deploy's, in the
     *     same files): it is left alone
     */
    static LocalRollout start(
            CliContext context,
            LocalState state,
            LocalUp.Next next,
            App app,
            Path dir,
            String environment,
            RolloutSpec spec,
            PrintWriter out) {
        String name = app.spec().app();
        RolloutKey key = new RolloutKey(name, environment);
        String who = Engines.who(context);
        RouterStages stages = new RouterStages(state, name);
        RolloutEvents events = DirectRollouts.audited(context, DirectRollouts.printing(out));
        List<RouterTrafficStats.TrackRoutes> routes = routes(app);
        RouterTrafficStats routers = new RouterTrafficStats(
                Map.of(
                        "the router of slipway up",
                        RouterTrafficStats.overHttp(
                                stages.http, URI.create("http://" + stages.admin()), Optional.empty(), TIMEOUT)),
                k -> routes);
        // The router's clusters are the replica sets (local-1, ...), not the rollout's one cluster: both tracks
        // are judged on their totals.
        TrafficStats stats = k -> {
            TrafficReading r = routers.read(k);
            return new TrafficReading(
                    new RouterStats.Backend(r.canary().total(), Map.of()),
                    new RouterStats.Backend(r.stable().total(), Map.of()));
        };
        RolloutController stale =
                new RolloutController(DirectRollouts.store(context), stats, stages, NO_TRACKS, events, context.clock());
        Optional<RolloutState> under = stale.status(key).filter(s -> !s.settled());
        if (under.isPresent()) {
            List<String> clusters =
                    under.get().clusters().stream().map(ClusterRollout::cluster).toList();
            if (!clusters.equals(List.of(CLUSTER))) {
                // Not one of ours: a rollout on clusters started by a deploy on this machine, never touched here.
                throw new UserFacingException("a rollout of " + name + " in " + environment + " is under way on "
                        + String.join(", ", clusters) + " (slipway rollout status " + name + " --env " + environment
                        + "); run slipway up --next with --manual, or with --env naming another environment");
            }
            stale.abort(
                    key, who, "its slipway up --next stopped before it settled; rev " + next.rev() + " replaces it");
        }
        Tracks tracks = new NextTracks(state, next, app, dir, out);
        RolloutController controller =
                new RolloutController(DirectRollouts.store(context), stats, stages, tracks, events, context.clock());
        controller.start(key, spec, "rev " + next.rev(), List.of(CLUSTER), who);
        LocalRollout rollout = new LocalRollout(controller, stages, key, who, out);
        rollout.runner.follow(key);
        return rollout;
    }

    private void applyStoredStages(RouterStages stages) {
        try {
            controller.status(key).filter(s -> !s.settled()).ifPresent(s -> {
                for (ClusterRollout c : s.clusters()) {
                    stages.setStage(key, c.cluster(), c.stage());
                }
            });
        } catch (RuntimeException e) {
            // The tick sets what it needs itself and records why it could not.
            log.debug("could not set the stored stages of {} before a tick: {}", key, e.toString());
        }
    }

    /** Completes with the settled state: promoted, or aborted (the running revision serves). */
    CompletableFuture<RolloutState> settled() {
        return settled;
    }

    /** Why it ended where it did, from the cluster's reason. */
    static String reason(RolloutState state) {
        return state.clusters().stream().map(ClusterRollout::reason).findFirst().orElse("");
    }

    /**
     * Stops ticking; a rollout not settled yet is aborted (the next revision stops with this command, so the
     * router must not send it traffic).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        runner.close();
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!settled.isDone()) {
            try {
                controller
                        .status(key)
                        .filter(s -> !s.settled())
                        .ifPresent(s -> controller.abort(key, who, "slipway up --next stopped"));
            } catch (RuntimeException e) {
                // Stopping anyway: the next up --next aborts what is left.
                synchronized (out) {
                    out.println("could not abort the rollout of " + key + " (" + e.getMessage()
                            + "); the next slipway up --next aborts it");
                    out.flush();
                }
            }
        }
    }

    /**
     * The app's routes on the local router (see {@link LocalRouting}): per service a route named as its
     * backend, the first service also on any host; stable is the running revision's backend, the canary the
     * next one's ({@code -next}).
     */
    static List<RouterTrafficStats.TrackRoutes> routes(App app) {
        String name = app.spec().app();
        List<RouterTrafficStats.TrackRoutes> routes = new ArrayList<>();
        List<ServiceSpec> services = LocalApp.runnable(app);
        for (int i = 0; i < services.size(); i++) {
            String backend = LocalRouting.backend(name, services.get(i));
            routes.add(new RouterTrafficStats.TrackRoutes(backend, backend, backend + "-next"));
            if (i == 0) {
                routes.add(new RouterTrafficStats.TrackRoutes(backend + "-any-host", backend, backend + "-next"));
            }
        }
        return routes;
    }

    private static final Tracks NO_TRACKS = new Tracks() {
        @Override
        public void promoteStable(RolloutKey key, String cluster) {}

        @Override
        public void removeCanary(RolloutKey key, String cluster) {}

        @Override
        public void abort(RolloutKey key, String cluster) {}
    };

    /**
     * The canary's stage as {@code slipway traffic} sets it: on every route of the app that migrates to the next
     * revision, through the running {@code up}'s router admin API.
     */
    static final class RouterStages implements Traffic {
        private final LocalState state;
        private final String app;
        final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        RouterStages(LocalState state, String app) {
            this.state = state;
            this.app = app;
        }

        String admin() {
            Path file = state.adminFile(app);
            try {
                return Files.readString(file).trim();
            } catch (IOException e) {
                throw new IllegalStateException("slipway up of '" + app + "' recorded no router admin address in "
                        + file + "; restart it with slipway down " + app + " and slipway up");
            }
        }

        @Override
        public void setStage(RolloutKey key, String cluster, Stage stage) {
            String admin = admin();
            List<String> migrating = new ArrayList<>();
            for (JsonNode r : tree(send(get(admin))).path("routes")) {
                if (r.has("migration")) {
                    migrating.add(r.path("name").asText());
                }
            }
            if (migrating.isEmpty()) {
                if (stage.equals(Stage.off())) {
                    return; // no route reaches the next revision: that is off already
                }
                // The running up routes the next revision once it has read its replicas; tried again next tick.
                throw new IllegalStateException(
                        "the router of slipway up has no route to the next revision yet (it follows run/" + app
                                + "/next.json)");
            }
            for (String route : migrating) {
                send(HttpRequest.newBuilder(URI.create("http://" + admin + "/routes/" + route + "/stage"))
                        .timeout(TIMEOUT)
                        .POST(HttpRequest.BodyPublishers.ofString(stage.describe()))
                        .build());
            }
        }

        private static HttpRequest get(String admin) {
            return HttpRequest.newBuilder(URI.create("http://" + admin + "/config"))
                    .timeout(TIMEOUT)
                    .build();
        }

        private String send(HttpRequest request) {
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(
                            "the router of slipway up refused " + request.uri().getPath() + " (HTTP " + r.statusCode()
                                    + "): " + r.body().trim());
                }
                return r.body();
            } catch (IOException e) {
                throw new IllegalStateException(
                        "cannot reach the router of slipway up at "
                                + request.uri().getAuthority() + ": " + e,
                        e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while talking to the router of slipway up", e);
            }
        }

        private static JsonNode tree(String body) {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("the router of slipway up answered something that is not JSON", e);
            }
        }
    }

    /**
     * The two local tracks: stable is what the running {@code up} serves, the canary this process's next
     * revision. Promoting asks the running {@code up} for a rolling redeploy of the next revision's directory
     * (all traffic is on the canary meanwhile); removing or aborting the canary stops this process's replicas,
     * its routes' migration first.
     */
    private static final class NextTracks implements Tracks {
        private final LocalState state;
        private final LocalUp.Next next;
        private final App app;
        private final Path dir;
        private final PrintWriter out;
        private final AtomicBoolean promoted = new AtomicBoolean();

        NextTracks(LocalState state, LocalUp.Next next, App app, Path dir, PrintWriter out) {
            this.state = state;
            this.next = next;
            this.app = app;
            this.dir = dir;
            this.out = out;
        }

        @Override
        public void promoteStable(RolloutKey key, String cluster) {
            if (promoted.get()) {
                return;
            }
            LocalRequests.Outcome outcome = LocalUp.redeploy(state, next.current(), app, dir, Map.of(), out);
            if (!outcome.ok()) {
                throw new IllegalStateException(outcome.message());
            }
            promoted.set(true);
        }

        @Override
        public void removeCanary(RolloutKey key, String cluster) {
            next.close();
        }

        @Override
        public void abort(RolloutKey key, String cluster) {
            next.close();
        }
    }
}
