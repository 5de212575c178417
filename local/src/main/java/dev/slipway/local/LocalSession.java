package dev.slipway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.deploy.ClusterFailure;
import dev.slipway.core.deploy.DeployListener;
import dev.slipway.core.deploy.DeployOptions;
import dev.slipway.core.deploy.DeployReport;
import dev.slipway.core.deploy.EnvironmentRef;
import dev.slipway.core.lab.LabExpiry;
import dev.slipway.core.lab.LabNames;
import dev.slipway.core.render.SecretSource;
import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import dev.slipway.core.spec.Durations;
import dev.slipway.router.Router;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What a running {@code slipway up} does: deploys the app's environment and its labs through the
 * {@link dev.slipway.core.deploy.EnvironmentBackend} seam ({@link LocalEnvironments}, the local backend a server's
 * local labs use too), keeps the router config, the state files and the status display in step with their
 * replicas and with the app's next revision ({@code up --next}, another process), and carries out what other
 * commands ask through {@link LocalRequests}: redeploy the app, start, redeploy, stop or extend a lab. The first
 * deploy, requests and lab expiry run one at a time on one thread.
 */
public final class LocalSession implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final SecretsOpener secretsOpener;
    private final StatusView view;
    private final LocalState state;
    private final String name;
    private final PrintWriter out;
    private final Map<String, String> settings;
    private final Map<String, RunningLab> labs = new TreeMap<>();
    /** The secret stores lab requests named, by slug; the app's own store otherwise. */
    private final Map<String, SecretSource> labSecrets = new ConcurrentHashMap<>();

    private LocalEnvironments backend;
    /** The app's own environment, as the backend knows it. */
    private EnvironmentRef main;
    /** How long a deploy waits for new replicas: their start timeout and a little for the first probe. */
    private Duration startTimeout;

    private final ScheduledExecutorService work;
    private Path dir;
    private Router router;
    private String listenHost;
    private int port;
    private String phase = "starting";
    private String url;
    private Thread follower;

    /**
     * What this {@code up} keeps about a lab it runs besides its processes (which {@link LocalEnvironments} holds): branch,
     * source, TTL and expiry. Fields change on the work thread only; read under the session's lock.
     */
    private static final class RunningLab {
        final String branch;
        final String slug;
        final EnvironmentRef environment;
        final Instant created;
        Path dir;
        String ref;
        Instant lastDeploy;
        Duration ttl;
        Instant expiresAt;
        String phase = "starting";

        RunningLab(
                String branch,
                String slug,
                EnvironmentRef environment,
                Path dir,
                String ref,
                Instant created,
                Duration ttl) {
            this.branch = branch;
            this.slug = slug;
            this.environment = environment;
            this.dir = dir;
            this.ref = ref;
            this.created = created;
            this.lastDeploy = created;
            this.ttl = ttl;
            this.expiresAt = LabExpiry.expiresAt(created, ttl);
        }
    }

    /**
     * @param settings what this {@code up} was started with that a redeploy cannot change, by option name
     *     ({@code --port} ...), as {@link #setting} writes them
     * @param secretsOpener opens the secret store a lab request names, if it names one
     * @param view shows the app's replicas whenever they change
     */
    public LocalSession(
            Clock clock,
            SecretsOpener secretsOpener,
            StatusView view,
            LocalState state,
            String name,
            Path dir,
            PrintWriter out,
            Map<String, String> settings) {
        this.clock = clock;
        this.secretsOpener = secretsOpener;
        this.view = view;
        this.state = state;
        this.name = name;
        this.dir = dir;
        this.out = out;
        this.settings = Map.copyOf(settings);
        this.work = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "slipway-up-requests-" + name);
            t.setDaemon(true);
            return t;
        });
        LocalRequests.clear(state.requestsDirectory(name));
        LocalRequests.clear(state.labsDirectory(name));
    }

    /** Opens the secret store a lab request names (its key file and/or directory), when it names one. */
    @FunctionalInterface
    public interface SecretsOpener {
        Optional<SecretSource> open(Optional<String> keyFile, Optional<String> directory);
    }

    /** Where the running {@code up} shows its app's replicas (a live table in a terminal, else lines). */
    @FunctionalInterface
    public interface StatusView {
        /** Called on every change of the app's replicas; {@code url} is where the app answers. */
        void show(List<ReplicaStatus> status, String url);
    }

    /** How an option's value is compared between the running {@code up} and one asking it to redeploy. */
    public static String setting(Object value) {
        if (value == null) {
            return "";
        }
        return value instanceof Duration d ? Durations.format(d) : value.toString();
    }

    /**
     * Takes the router the app and its labs are routed by and makes the backend they run on: every environment's
     * processes get {@code options}' supervision, variables and log; the app runs {@code options.clusters()} local
     * clusters with {@code options.secrets()}, each lab one, with the secret store its request names if any.
     */
    public synchronized void attach(Router router, String listenHost, int configuredPort, LocalApp.Options options) {
        this.listenHost = listenHost;
        this.router = router;
        this.port = configuredPort;
        this.url = "http://" + name + ".localhost:" + router.address().getPort() + "/";
        this.startTimeout = options.supervision().startTimeout().plusSeconds(5);
        this.main = new EnvironmentRef(name, options.env(), Optional.empty(), name, Optional.empty());
        LogSink shared = options.sink();
        // Every environment writes to the app's own log, which outlives them: their sink leaves it open.
        LogSink kept = new LogSink() {
            @Override
            public void line(ReplicaId replica, String text) {
                shared.line(replica, text);
            }

            @Override
            public void event(ReplicaId replica, String text) {
                shared.event(replica, text);
            }
        };
        this.backend = LocalEnvironments.routedBy(
                new LocalEnvironments.Settings(
                        options.supervision(),
                        options.baseEnvironment(),
                        env -> env.lab()
                                .map(slug -> labSecrets.getOrDefault(slug, options.secrets()))
                                .orElse(options.secrets()),
                        env -> kept,
                        clock,
                        options.clusters(),
                        env -> env.lab().isPresent() ? 0 : nextTrackRevision()),
                env -> env.lab().ifPresentOrElse(this::labChanged, this::mainChanged));
    }

    /**
     * Deploys {@code app} as the app's environment for the first time, on the request thread (so a redeploy asked
     * for meanwhile waits for it); completes once its replicas are ready or the deploy gave up on them (they keep
     * running and restarting then, and the report says which are not ready).
     */
    public CompletableFuture<DeployReport> start(App app) {
        return CompletableFuture.supplyAsync(
                () -> backend.deploy(main, app, deployOptions(""), DeployListener.NONE), work);
    }

    /** What is not ready in the app's environment now, one line per replica. */
    public List<String> notReady() {
        return mainApp().map(LocalApp::notReady).orElse(List.of());
    }

    /** The app's environment's processes, while they run. */
    private Optional<LocalApp> mainApp() {
        return backend == null ? Optional.empty() : backend.running(main).map(LocalEnvironments.Running::local);
    }

    /** The highest revision {@code up --next} runs, 0 when it does not: the app's next revision is above it. */
    private int nextTrackRevision() {
        int rev = 0;
        for (JsonNode n : state.readNext(name).map(LocalState.Running::replicas).orElseGet(JSON::createArrayNode)) {
            rev = Math.max(rev, n.path("rev").asInt());
        }
        return rev;
    }

    /**
     * Starts following the run directory: {@code up --next} recording its replicas, and requests. Also checks
     * every second for expired labs (and for requests a file event was missed for).
     */
    public void follow() {
        Path runDir = state.runDirectory(name);
        Path requests = state.requestsDirectory(name);
        try {
            Files.createDirectories(requests);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + requests, e);
        }
        follower = new Thread(
                () -> {
                    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
                        var kinds = new java.nio.file.WatchEvent.Kind<?>[] {
                            StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE
                        };
                        runDir.register(watch, kinds);
                        WatchKey requestKey = requests.register(watch, kinds);
                        while (true) {
                            WatchKey key = watch.take();
                            var events = key.pollEvents();
                            key.reset();
                            if (key == requestKey) {
                                work.execute(this::takeRequests);
                            } else if (events.stream()
                                    .anyMatch(e -> String.valueOf(e.context()).equals("next.json"))) {
                                mainChanged();
                            }
                        }
                    } catch (IOException e) {
                        say("cannot follow " + runDir + " for slipway up --next and requests: " + e);
                    } catch (InterruptedException | java.nio.file.ClosedWatchServiceException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "slipway-up-follower-" + name);
        follower.setDaemon(true);
        follower.start();
        work.scheduleWithFixedDelay(
                () -> {
                    expireLabs();
                    takeRequests();
                },
                0,
                1,
                TimeUnit.SECONDS);
    }

    /** Stops following replica changes: the router is about to close. */
    public synchronized void detach() {
        router = null;
    }

    /** Stops following, stops the app's environment and every lab, and removes the labs' state files. */
    @Override
    public void close() {
        if (follower != null) {
            follower.interrupt();
        }
        work.shutdownNow();
        try {
            work.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<RunningLab> stopping;
        LocalEnvironments running;
        synchronized (this) {
            stopping = new ArrayList<>(labs.values());
            labs.clear();
            running = backend;
        }
        if (running != null) {
            try {
                running.tearDown(main); // through the seam, as a redeploy goes
            } finally {
                running.close(); // its labs, all at once; each gets its grace period
            }
        }
        for (RunningLab lab : stopping) {
            state.removeLab(name, lab.slug);
            out.println("stopped lab " + lab.slug + " of " + name);
        }
    }

    public String url() {
        return url;
    }

    public synchronized void phase(String phase) {
        this.phase = phase;
        if (router == null) {
            return;
        }
        state.write(name, ProcessHandle.current().pid(), url(), dir, phase, mainStatus());
    }

    private List<ReplicaStatus> mainStatus() {
        return mainApp().map(LocalApp::status).orElse(List.of());
    }

    /** The app's replicas (or its next revision's) changed: route, record, show. */
    private synchronized void mainChanged() {
        if (router == null) {
            return;
        }
        route();
        List<ReplicaStatus> status = mainStatus();
        state.write(name, ProcessHandle.current().pid(), url(), dir, phase, status);
        view.show(status, url());
    }

    /** A lab's replicas changed: route, record. */
    private synchronized void labChanged(String slug) {
        if (router == null) {
            return;
        }
        route(); // also when the lab is gone: its routes go with it
        RunningLab lab = labs.get(slug);
        if (lab != null) {
            writeLab(lab);
        }
    }

    private synchronized void route() {
        Optional<LocalApp> local = mainApp();
        if (local.isEmpty() || !LocalRouting.routable(local.get())) {
            return; // until the app's replicas have ports, the router keeps the config it has
        }
        List<LocalRouting.LabRoute> routes = backend.labs().stream()
                .map(l -> new LocalRouting.LabRoute(l.environment().lab().orElseThrow(), l.local()))
                .toList();
        router.apply(LocalRouting.config(
                local.get(), listenHost, port, true, state.readNext(name).map(LocalState.Running::replicas), routes));
    }

    private synchronized void writeLab(RunningLab lab) {
        Optional<LocalEnvironments.Running> running = backend.running(lab.environment);
        if (running.isEmpty()) {
            return; // not started yet, or stopped: its state file goes with it
        }
        LocalApp local = running.get().local();
        state.writeLab(new LocalState.Lab(
                name,
                lab.branch,
                lab.slug,
                labUrl(lab.slug),
                lab.dir.toString(),
                lab.ref,
                lab.created,
                lab.lastDeploy,
                lab.ttl,
                lab.expiresAt,
                local.rev(),
                lab.phase,
                ProcessHandle.current().pid(),
                LocalState.replicaRows(local.status())));
    }

    private String labUrl(String slug) {
        return "http://" + LocalRouting.labHost(name, slug) + ":"
                + router.address().getPort() + "/";
    }

    private void takeRequests() {
        for (LocalRequests.Request r : LocalRequests.take(state.requestsDirectory(name))) {
            try {
                switch (r.type()) {
                    case "redeploy" -> redeploy(r);
                    case "lab-up" -> labUp(r);
                    case "lab-down" -> labDown(r);
                    case "lab-extend" -> labExtend(r);
                    default ->
                        r.finish(
                                false,
                                "this slipway up does not know requests of type '" + r.type()
                                        + "'; is it an older version? Restart it: slipway down " + name
                                        + " && slipway up");
                }
            } catch (InvalidInputException e) {
                r.finish(false, e.problems().stream().map(Problem::describe).collect(Collectors.joining("\n")));
            } catch (RuntimeException e) {
                say("request " + r.type() + " failed: " + e);
                r.finish(false, "slipway up of '" + name + "' failed: " + e.getMessage());
            }
        }
    }

    /** {@code slipway up DIR} while the app runs: a rolling redeploy of what DIR holds now. */
    private void redeploy(LocalRequests.Request r) {
        List<String> differs = new ArrayList<>();
        r.body().path("options").fields().forEachRemaining(e -> {
            String running = settings.getOrDefault(e.getKey(), "");
            if (!running.equals(e.getValue().asText())) {
                differs.add(e.getKey() + " " + e.getValue().asText() + " (it runs with "
                        + (running.isEmpty() ? "the default" : running) + ")");
            }
        });
        if (!differs.isEmpty()) {
            r.finish(
                    false,
                    "a redeploy replaces the replicas but keeps the router, the local clusters and the logs of the"
                            + " running slipway up, so it cannot change " + String.join(", ", differs)
                            + ". Redeploy without them, or restart with them: slipway down " + name
                            + " and slipway up again");
            return;
        }
        Path next = Path.of(r.body().path("directory").asText());
        App app = load(next);
        LocalApp.runnable(app);
        int from = mainApp().map(LocalApp::rev).orElse(0);
        int rev = backend.nextRevision(main);
        say("redeploying " + name + " from " + next + ": rev " + from + " -> " + rev);
        r.progress("rolling " + name + " from rev " + from + " to rev " + rev + ", one replica at a time");
        phase("redeploying");
        DeployReport report = backend.deploy(main, app, deployOptions(""), progressTo(r));
        if (!report.succeeded()) {
            phase(mainApp().map(LocalSession::settled).orElse("degraded"));
            r.finish(
                    false,
                    failure(report) + "\nFix it and run slipway up " + next + " again; the replicas' output: slipway"
                            + " logs " + name);
            return;
        }
        synchronized (this) {
            dir = next;
        }
        phase("ready");
        say(name + " rev " + rev + " serves " + url);
        r.finish(true, name + " rev " + rev + " serves " + url + " (was rev " + from + ")");
    }

    /** The phase after a redeploy that did not go through: ready again, unless a replica of the old one is not. */
    private static String settled(LocalApp app) {
        return app.status().stream().allMatch(ReplicaStatus::ready) ? "ready" : "degraded";
    }

    private App load(Path directory) {
        App app = AppLoader.load(directory);
        if (!app.spec().app().equals(name)) {
            throw new InvalidInputException(new Problem(
                    directory.resolve("slipway.yaml").toString(),
                    "declares app '" + app.spec().app() + "', not '" + name + "'",
                    "point at the directory of app '" + name + "'"));
        }
        return app;
    }

    /** {@code slipway lab up}: starts the branch's lab, or redeploys it; its expiry becomes now + TTL either way. */
    private void labUp(LocalRequests.Request r) {
        JsonNode b = r.body();
        String branch = b.path("branch").asText();
        String slug = b.path("slug").asText();
        Path labDir = Path.of(b.path("directory").asText());
        String ref = b.path("ref").asText();
        Optional<Duration> ttl = Durations.parse(b.path("ttl").asText());
        App app = load(labDir);
        LocalApp.runnable(app);
        RunningLab lab;
        synchronized (this) {
            lab = labs.get(slug);
        }
        if (lab != null && !lab.branch.equals(branch)) {
            r.finish(
                    false,
                    "branch '" + branch + "' would be lab '" + slug + "', which branch '" + lab.branch
                            + "' already has; stop that one first (slipway lab down --app " + name + " --branch "
                            + lab.branch + ") or use another branch name");
            return;
        }
        if (lab == null) {
            startLab(r, app, branch, slug, labDir, ref, ttl.orElse(LabExpiry.DEFAULT_TTL));
        } else {
            redeployLab(r, lab, app, labDir, ref, ttl.orElse(lab.ttl));
        }
    }

    private void startLab(
            LocalRequests.Request r, App app, String branch, String slug, Path labDir, String ref, Duration ttl) {
        SecretSource secrets = secretsOf(r.body());
        if (secrets != null) {
            labSecrets.put(slug, secrets);
        }
        EnvironmentRef environment = EnvironmentRef.lab(
                name,
                main.environment(),
                Optional.empty(),
                LabNames.forBranch(name, branch, other -> false).namespace(),
                slug);
        RunningLab lab = new RunningLab(branch, slug, environment, labDir, ref, clock.instant(), ttl);
        synchronized (this) {
            labs.put(slug, lab);
        }
        say("starting lab " + slug + " of " + name + " (branch " + branch + ", " + ref + ") from " + labDir);
        r.progress("starting lab " + slug + " (branch " + branch + ", " + ref + ")");
        DeployReport report;
        try {
            report = backend.deploy(environment, app, deployOptions(ref), progressTo(r));
        } catch (RuntimeException e) {
            forget(lab);
            throw e;
        }
        if (!report.succeeded()) {
            forget(lab);
            say("stopped lab " + slug + " of " + name + ": it did not become ready");
            r.finish(
                    false,
                    "lab " + slug + " " + failure(report) + "\nFix it and run slipway lab up again; the replicas'"
                            + " output: slipway logs " + name);
            return;
        }
        deployed(lab, ttl);
        r.finish(true, labOutcome(lab, "ready"), labJson(lab));
    }

    /** A lab that never came up (its processes are already stopped): its record and state file go too. */
    private void forget(RunningLab lab) {
        synchronized (this) {
            labs.remove(lab.slug);
        }
        labSecrets.remove(lab.slug);
        state.removeLab(name, lab.slug);
    }

    private DeployOptions deployOptions(String ref) {
        return DeployOptions.by("slipway up").withRef(ref).withTimeout(startTimeout);
    }

    /** Sends the backend's progress lines to the asking command. */
    private static DeployListener progressTo(LocalRequests.Request r) {
        return new DeployListener() {
            @Override
            public void progress(String cluster, String line) {
                r.progress(line);
            }
        };
    }

    private static String failure(DeployReport report) {
        return report.failures().stream().map(ClusterFailure::message).collect(Collectors.joining("\n"));
    }

    private void redeployLab(LocalRequests.Request r, RunningLab lab, App app, Path labDir, String ref, Duration ttl) {
        LocalApp running = backend.running(lab.environment).orElseThrow().local();
        int from = running.rev();
        int rev = from + 1;
        say("redeploying lab " + lab.slug + " of " + name + " (" + ref + "): rev " + from + " -> " + rev);
        r.progress("rolling lab " + lab.slug + " from rev " + from + " to rev " + rev + ", one replica at a time");
        setPhase(lab, "redeploying");
        DeployReport report = backend.deploy(lab.environment, app, deployOptions(ref), progressTo(r));
        if (!report.succeeded()) {
            setPhase(lab, settled(running));
            r.finish(
                    false,
                    "lab " + lab.slug + ": " + failure(report) + "\nIts expiry is unchanged. Fix it and run slipway lab"
                            + " up again; the replicas' output: slipway logs " + name);
            return;
        }
        synchronized (this) {
            lab.dir = labDir;
            lab.ref = ref;
        }
        deployed(lab, ttl);
        r.finish(true, labOutcome(lab, "rev " + rev + " ready"), labJson(lab));
    }

    /** A deploy of the lab succeeded: its TTL starts again now. */
    private void deployed(RunningLab lab, Duration ttl) {
        synchronized (this) {
            lab.lastDeploy = clock.instant();
            lab.ttl = ttl;
            lab.expiresAt = LabExpiry.expiresAt(lab.lastDeploy, ttl);
            lab.phase = "ready";
        }
        labChanged(lab.slug);
        say("lab " + lab.slug + " of " + name + " ready at " + labUrl(lab.slug) + "; expires " + lab.expiresAt);
    }

    private void setPhase(RunningLab lab, String phase) {
        synchronized (this) {
            lab.phase = phase;
        }
        labChanged(lab.slug);
    }

    private String labOutcome(RunningLab lab, String what) {
        return "lab " + lab.slug + " of " + name + " (branch " + lab.branch + ", " + lab.ref + ") " + what + ": "
                + labUrl(lab.slug) + "\nexpires " + lab.expiresAt + " (in " + Durations.format(lab.ttl)
                + " unless redeployed or extended)";
    }

    private ObjectNode labJson(RunningLab lab) {
        return JSON.createObjectNode()
                .put("url", labUrl(lab.slug))
                .put("expiresAt", lab.expiresAt.toString())
                .put(
                        "rev",
                        backend.running(lab.environment)
                                .map(l -> l.local().rev())
                                .orElse(0));
    }

    private SecretSource secretsOf(JsonNode body) {
        return secretsOpener
                .open(text(body, "secretsKey"), text(body, "secretsDir"))
                .orElse(null);
    }

    private static Optional<String> text(JsonNode body, String field) {
        return body.hasNonNull(field) ? Optional.of(body.path(field).asText()) : Optional.empty();
    }

    /** {@code slipway lab down}. */
    private void labDown(LocalRequests.Request r) {
        RunningLab lab = requestedLab(r);
        if (lab == null) {
            return;
        }
        String slug = lab.slug;
        int processes = backend.running(lab.environment)
                .map(l -> l.local().status().size())
                .orElse(0);
        r.progress("stopping lab " + slug + " (" + processes + " processes)");
        stopLab(lab, "slipway lab down");
        r.finish(true, "stopped lab " + slug + " of " + name + " (branch " + lab.branch + ")");
    }

    /** {@code slipway lab extend}: the expiry moves out by {@code by}, else by the lab's TTL (as on a server). */
    private void labExtend(LocalRequests.Request r) {
        RunningLab lab = requestedLab(r);
        if (lab == null) {
            return;
        }
        String slug = lab.slug;
        Duration by = Durations.parse(r.body().path("by").asText()).orElse(lab.ttl);
        Instant expires;
        synchronized (this) {
            lab.expiresAt = lab.expiresAt.plus(by);
            expires = lab.expiresAt;
        }
        labChanged(slug);
        say("lab " + slug + " of " + name + " extended; expires " + expires);
        Duration left = Duration.between(clock.instant(), expires);
        r.finish(
                true,
                "lab " + slug + " of " + name + " now expires " + expires + " (in " + Durations.format(left) + ")",
                labJson(lab));
    }

    /** The lab a request names; null, once the request was answered that there is no such lab. */
    private RunningLab requestedLab(LocalRequests.Request r) {
        String slug = r.body().path("slug").asText();
        RunningLab lab;
        synchronized (this) {
            lab = labs.get(slug);
        }
        if (lab == null) {
            r.finish(false, "app '" + name + "' has no lab '" + slug + "'; " + existingLabs());
        }
        return lab;
    }

    private synchronized String existingLabs() {
        return labs.isEmpty()
                ? "it has none (start one with slipway lab up DIR --branch B)"
                : "its labs: "
                        + labs.values().stream()
                                .map(l -> l.slug + " (branch " + l.branch + ")")
                                .collect(Collectors.joining(", "));
    }

    /** Stops the labs whose expiry has passed. */
    private void expireLabs() {
        try {
            Instant now = clock.instant();
            List<RunningLab> expired;
            synchronized (this) {
                expired = labs.values().stream()
                        .filter(l -> !now.isBefore(l.expiresAt))
                        .toList();
            }
            for (RunningLab lab : expired) {
                stopLab(
                        lab,
                        "it expired: its last deploy was " + lab.lastDeploy + " and its TTL "
                                + Durations.format(lab.ttl) + " (expiry " + lab.expiresAt + ")");
            }
        } catch (RuntimeException e) {
            say("cannot check lab expiry: " + e);
        }
    }

    /** Takes the lab off the router, then stops its processes and removes its state file. */
    private void stopLab(RunningLab lab, String why) {
        synchronized (this) {
            labs.remove(lab.slug);
        }
        say("stopping lab " + lab.slug + " of " + name + ": " + why);
        backend.stop(lab.environment, why);
        labSecrets.remove(lab.slug);
        state.removeLab(name, lab.slug);
        say("stopped lab " + lab.slug + " of " + name);
    }

    /** A line of slipway up's own, on its output. */
    private void say(String line) {
        synchronized (out) {
            out.println("[slipway] " + line);
            out.flush();
        }
    }
}
