package dev.slipway.rollout.feed;

import dev.slipway.api.RolloutStages;
import dev.slipway.api.SlipwayClient;
import dev.slipway.router.SourceStatus;
import dev.slipway.router.Stage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stages that follow a Slipway server's rollout of one environment through its API: a long poll of
 * {@code GET /api/apps/{app}/environments/{env}/rollout/stages?after=V&waitSeconds=N}, so every router in front
 * of a group shows the stage the server's controller set, within a request's time of the change.
 *
 * <p>When the server cannot be reached (or answers something that is not stages), the source keeps its last good
 * stages, says since when and why in {@link #status()}, and asks again after a back-off that doubles from
 * {@code minBackoff} up to {@code maxBackoff}; the first good answer makes it fresh again and resets the back-off.
 * Until its first answer it serves {@link Stages#none()} (all traffic on stable) and is stale.
 */
public final class HttpStageSource implements StageSource {
    private static final Logger log = LoggerFactory.getLogger(HttpStageSource.class);

    /** One long poll: the stages once their version is greater than {@code after}, or after {@code wait}. */
    @FunctionalInterface
    public interface Poll {
        RolloutStages poll(long after, Duration wait);
    }

    /** How the source waits between failed polls; a test's records the back-off instead of waiting. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration delay) throws InterruptedException;
    }

    /**
     * @param pollWait how long each poll asks the server to wait for a change (the server waits at most 30 s)
     * @param minBackoff the first wait after a failed poll
     * @param maxBackoff the longest wait between failed polls
     */
    public record Settings(Duration pollWait, Duration minBackoff, Duration maxBackoff) {
        public Settings {
            Objects.requireNonNull(pollWait, "pollWait");
            Objects.requireNonNull(minBackoff, "minBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalArgumentException("backoff must be positive, and max at least min");
            }
        }

        /** 25 s polls; 1 s, 2 s, 4 s ... up to 30 s between failed ones. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(25), Duration.ofSeconds(1), Duration.ofSeconds(30));
        }
    }

    private final Poll poll;
    private final Pause pause;
    private final Settings settings;
    private final Clock clock;
    private final String upstream;
    private final List<Consumer<Stages>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;

    private volatile Stages stages = Stages.none();
    private volatile SourceStatus status;
    private volatile boolean closed;
    private long version = -1;

    private HttpStageSource(Poll poll, Pause pause, Settings settings, Clock clock, String upstream) {
        this.poll = Objects.requireNonNull(poll, "poll");
        this.pause = Objects.requireNonNull(pause, "pause");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.upstream = upstream;
        this.status = SourceStatus.stale(clock.instant(), "no answer from " + upstream + " yet");
        this.thread = new Thread(this::run, "stage-source " + upstream);
        this.thread.setDaemon(true);
    }

    /** Follows {@code app}'s {@code environment} on the server {@code client} talks to; started at once. */
    public static HttpStageSource follow(SlipwayClient client, String app, String environment, Settings settings) {
        return start(
                (after, wait) -> client.rolloutStages(app, environment, after, wait),
                HttpStageSource::sleep,
                settings,
                Clock.systemUTC(),
                "the server's rollout of " + app + "/" + environment);
    }

    /** A source on any poll (tests: a poll that fails by hand, a pause that records), started at once. */
    public static HttpStageSource start(Poll poll, Pause pause, Settings settings, Clock clock, String upstream) {
        HttpStageSource source = new HttpStageSource(poll, pause, settings, clock, upstream);
        source.thread.start();
        return source;
    }

    @Override
    public Stages current() {
        return stages;
    }

    @Override
    public SourceStatus status() {
        return status;
    }

    @Override
    public void subscribe(Consumer<Stages> listener) {
        listeners.add(listener);
    }

    /** The version of the stages served, -1 before the first answer. */
    public synchronized long version() {
        return version;
    }

    /** Stops polling; a poll under way is interrupted. The last stages stay readable. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }

    private void run() {
        Duration backoff = settings.minBackoff();
        while (!closed) {
            RolloutStages answer;
            try {
                long after;
                synchronized (this) {
                    after = version;
                }
                answer = poll.poll(after, settings.pollWait());
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                failed(e.getMessage() == null ? e.toString() : firstLine(e.getMessage()));
                if (!pauseFor(backoff)) {
                    return;
                }
                backoff = doubled(backoff);
                continue;
            }
            Optional<Stages> next = parse(answer);
            if (next.isEmpty()) {
                if (!pauseFor(backoff)) {
                    return;
                }
                backoff = doubled(backoff);
                continue;
            }
            backoff = settings.minBackoff();
            boolean changed;
            synchronized (this) {
                changed = answer.version() != version || status.isStale();
                version = answer.version();
                stages = next.get();
                status = SourceStatus.fresh();
            }
            if (changed) {
                tell();
            }
        }
    }

    private Duration doubled(Duration backoff) {
        Duration twice = backoff.multipliedBy(2);
        return twice.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : twice;
    }

    private Optional<Stages> parse(RolloutStages answer) {
        if (answer == null || answer.stages() == null) {
            failed("the answer holds no stages");
            return Optional.empty();
        }
        Stages next = Stages.none();
        for (Map.Entry<String, String> e : answer.stages().entrySet()) {
            Optional<Stage> stage = Stage.parse(e.getValue() == null ? "" : e.getValue());
            if (stage.isEmpty()) {
                failed("cluster " + e.getKey() + " has stage '" + e.getValue() + "', which is not a stage ("
                        + Stage.syntax() + ")");
                return Optional.empty();
            }
            next = next.with(Stages.ALL_SERVICES, e.getKey(), stage.get());
        }
        return Optional.of(next);
    }

    private void failed(String why) {
        boolean changed;
        synchronized (this) {
            changed = !status.isStale() || !status.detail().equals(why);
            status = status.isStale()
                    ? SourceStatus.stale(status.staleSince().orElseThrow(), why)
                    : SourceStatus.stale(clock.instant(), why);
        }
        if (changed) {
            log.warn("stages from {} are stale, serving the last known: {}", upstream, why);
            tell();
        }
    }

    private boolean pauseFor(Duration delay) {
        try {
            pause.pause(delay);
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void tell() {
        Stages now = stages;
        for (Consumer<Stages> l : listeners) {
            try {
                l.accept(now);
            } catch (RuntimeException e) {
                log.warn("a stage listener failed: {}", e.toString());
            }
        }
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static void sleep(Duration delay) throws InterruptedException {
        Thread.sleep(delay.toMillis());
    }
}
