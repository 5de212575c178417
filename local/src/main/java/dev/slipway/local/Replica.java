package dev.slipway.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One supervised replica of a service: starts its process with a fresh port, checks its health path, restarts
 * it with exponential backoff when it crashes or stops answering, and stops it gracefully. All state changes
 * happen under the object's lock; process exits and probe results of an older generation are ignored.
 */
final class Replica {
    private static final Duration QUICK_EXIT = Duration.ofSeconds(3);
    private static final int TAIL_LINES = 3;
    /** How long an exit waits for the output pipe to drain, so its description carries the last lines. */
    private static final Duration DRAIN_WAIT = Duration.ofMillis(500);

    private final ReplicaId id;
    private final String command;
    private final String healthPath;
    private final Path directory;
    private final Map<String, String> environment;
    private final Optional<LabUser> user;
    private final SecretMask mask;
    private final Supervision supervision;
    private final LogSink sink;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    private final Clock clock;
    private final Runnable onChange;
    private final CompletableFuture<Void> firstReady = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Deque<String> tail = new ArrayDeque<>();

    private int generation;
    private ProcessGroup group;
    private int port;
    private ReplicaStatus.Phase phase = ReplicaStatus.Phase.STOPPED;
    private int restarts;
    private int crashes;
    private int failures;
    private Optional<String> problem = Optional.empty();
    private Instant startedAt;
    private boolean stopping;
    private boolean restartRequested;
    private ScheduledFuture<?> probe;
    private ScheduledFuture<?> pending;

    Replica(
            ReplicaId id,
            String command,
            String healthPath,
            Path directory,
            Map<String, String> environment,
            Optional<LabUser> user,
            SecretMask mask,
            Supervision supervision,
            LogSink sink,
            ScheduledExecutorService timer,
            HttpClient http,
            Clock clock,
            Runnable onChange) {
        this.id = id;
        this.command = command;
        this.healthPath = healthPath;
        this.directory = directory;
        this.environment = Map.copyOf(environment);
        this.user = user;
        this.mask = mask;
        this.supervision = supervision;
        this.sink = sink;
        this.timer = timer;
        this.http = http;
        this.clock = clock;
        this.onChange = onChange;
    }

    ReplicaId id() {
        return id;
    }

    synchronized ReplicaStatus status() {
        return new ReplicaStatus(id, port, phase, restarts, problem, group == null ? 0 : group.id());
    }

    /** Completes when the replica first answers its health path. */
    CompletableFuture<Void> firstReady() {
        return firstReady;
    }

    synchronized void start() {
        launch();
    }

    private void launch() {
        if (stopping) {
            return;
        }
        int gen = ++generation;
        port = freePort();
        failures = 0;
        tail.clear();
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("PORT", Integer.toString(port));
        try {
            group = ProcessGroup.start(command, directory, env, supervision.grace(), user);
        } catch (UncheckedIOException e) {
            group = null;
            crashed(gen, "could not be started: " + e.getCause().getMessage());
            return;
        }
        startedAt = clock.instant();
        phase = ReplicaStatus.Phase.STARTING;
        sink.event(id, "started pid " + group.id() + " on port " + port + ": " + command);
        Process process = group.process();
        CompletableFuture<Void> drained = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(process, drained), "log-" + id.shortName());
        pump.setDaemon(true);
        pump.start();
        // The exit is described with the process's last lines, so it waits for them to be read; briefly, as a
        // child the command left behind may hold the pipe open until the group is killed.
        process.onExit()
                .thenCompose(p -> drained.completeOnTimeout(null, DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                        .thenApply(v -> p))
                .thenAccept(p -> exited(gen, p.exitValue()));
        long every = supervision.probeInterval().toMillis();
        probe = timer.scheduleWithFixedDelay(() -> probe(gen), every / 4, every, TimeUnit.MILLISECONDS);
        onChange.run();
    }

    private void pump(Process process, CompletableFuture<Void> drained) {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String masked = mask.apply(line);
                synchronized (this) {
                    tail.addLast(masked);
                    while (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
                sink.line(id, masked);
            }
        } catch (IOException e) {
            // The pipe closes abruptly when the group is killed; the exit handler reports what matters.
            sink.event(id, "output closed: " + e.getMessage());
        } finally {
            drained.complete(null);
        }
    }

    private void probe(int gen) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(gen) + healthPath))
                .timeout(supervision.probeTimeout())
                .GET()
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, error) ->
                        probed(gen, error == null && response.statusCode() / 100 == 2, describe(response, error)));
    }

    private synchronized int port(int gen) {
        return gen == generation ? port : 0;
    }

    private static String describe(HttpResponse<Void> response, Throwable error) {
        if (error != null) {
            Throwable cause = error.getCause() != null ? error.getCause() : error;
            return cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
        }
        return "HTTP " + response.statusCode();
    }

    private synchronized void probed(int gen, boolean ok, String what) {
        if (gen != generation || stopping || restartRequested) {
            return;
        }
        if (ok) {
            failures = 0;
            if (phase == ReplicaStatus.Phase.STARTING) {
                phase = ReplicaStatus.Phase.READY;
                crashes = 0;
                problem = Optional.empty();
                sink.event(id, "ready on port " + port);
                firstReady.complete(null);
                onChange.run();
            }
            return;
        }
        failures++;
        if (phase == ReplicaStatus.Phase.READY && failures >= supervision.failureThreshold()) {
            restart(
                    "health check GET " + healthPath + " on port " + port + " failed " + failures + " times in a row ("
                            + what + "); restarting it",
                    "");
        } else if (phase == ReplicaStatus.Phase.STARTING
                && Duration.between(startedAt, clock.instant()).compareTo(supervision.startTimeout()) > 0) {
            restart(
                    "health path " + healthPath + " did not answer 2xx on port " + port + " within "
                            + supervision.startTimeout().toSeconds() + "s (last: " + what + ")",
                    "; make sure the service listens on $PORT and answers GET " + healthPath
                            + " with 2xx, or fix health: in slipway.yaml");
        }
    }

    private void restart(String why, String hint) {
        problem = Optional.of("service " + id.service() + ": " + why + hint);
        sink.event(id, why);
        restartRequested = true;
        cancelTimers();
        phase = ReplicaStatus.Phase.STOPPING;
        onChange.run();
        terminateThenKill();
    }

    private void terminateThenKill() {
        ProcessGroup g = group;
        g.terminate();
        pending = timer.schedule(g::kill, supervision.grace().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void exited(int gen, int code) {
        // Completed outside the lock: what depends on it may read every replica's status.
        if (exitedLocked(gen, code)) {
            stopped.complete(null);
        }
    }

    /** Handles a process exit; true when the replica is now stopped for good. */
    private synchronized boolean exitedLocked(int gen, int code) {
        if (gen != generation) {
            return false;
        }
        cancelTimers();
        group.kill();
        if (stopping) {
            phase = ReplicaStatus.Phase.STOPPED;
            sink.event(id, "stopped (exit " + code + ")");
            group = null;
            onChange.run();
            return true;
        }
        if (restartRequested) {
            restartRequested = false;
            scheduleRestart(gen);
            return false;
        }
        crashed(gen, exitDescription(code));
        return false;
    }

    private String exitDescription(int code) {
        Duration up = Duration.between(startedAt, clock.instant());
        String last = tail.isEmpty() ? "" : "; last output: " + String.join(" | ", List.copyOf(tail));
        if (code == 127) {
            return "run command not found (exit 127)" + last + "; fix run: in slipway.yaml";
        }
        if (code == 126) {
            return "run command is not executable (exit 126)" + last + "; fix run: or the file's permissions";
        }
        String when = up.compareTo(QUICK_EXIT) < 0 ? "exited at once" : "exited after " + up.toSeconds() + "s";
        return when + " with code " + code + last
                + "; it must keep running and listen on $PORT (it was given " + port
                + "); if it says the address is in use it ignores PORT or another program holds the port";
    }

    private void crashed(int gen, String why) {
        problem = Optional.of("service " + id.service() + ": " + why);
        sink.event(id, why);
        scheduleRestart(gen);
    }

    private void scheduleRestart(int gen) {
        crashes++;
        restarts++;
        Duration wait = supervision.backoff(crashes);
        phase = ReplicaStatus.Phase.BACKOFF;
        sink.event(id, "restart " + restarts + " in " + wait.toMillis() + "ms");
        onChange.run();
        pending = timer.schedule(
                () -> {
                    synchronized (this) {
                        if (gen == generation) {
                            launch();
                        }
                    }
                },
                wait.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void cancelTimers() {
        if (probe != null) {
            probe.cancel(false);
            probe = null;
        }
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    /** Stops the replica: SIGTERM to its group, SIGKILL after the grace period. Completes when it is gone. */
    CompletableFuture<Void> stop() {
        // Completed outside the lock: what depends on it may read every replica's status.
        if (stopLocked()) {
            stopped.complete(null);
        }
        return stopped;
    }

    /** Starts stopping; true when there was no process left, so the replica is stopped already. */
    private synchronized boolean stopLocked() {
        if (stopping) {
            return false;
        }
        stopping = true;
        firstReady.completeExceptionally(new IllegalStateException(id.shortName() + " was stopped"));
        cancelTimers();
        if (group == null || !group.process().isAlive()) {
            if (group != null) {
                group.kill();
            }
            phase = ReplicaStatus.Phase.STOPPED;
            onChange.run();
            return true;
        }
        phase = ReplicaStatus.Phase.STOPPING;
        onChange.run();
        terminateThenKill();
        return false;
    }

    /** A port nothing listens on now; the child binds it soon after (the usual local race, rarely lost). */
    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port", e);
        }
    }
}
