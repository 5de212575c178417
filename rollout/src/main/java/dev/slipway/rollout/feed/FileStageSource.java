package dev.slipway.rollout.feed;

import dev.slipway.router.SourceStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stages followed from a {@link StageFile}, read again every {@code every} (polling, not file events: the file is
 * replaced by a rename, which a watch on the file itself would lose, and a poll of a small file is cheap). A
 * file that cannot be read or parsed keeps the last good stages in force and makes the source stale, which the
 * router shows in {@code /healthz} and its metrics; a missing file is all off.
 */
public final class FileStageSource implements StageSource {
    private static final Logger log = LoggerFactory.getLogger(FileStageSource.class);

    /** How often the routers look at the file by default: well under the controller's one-second minimum interval. */
    public static final Duration DEFAULT_POLL = Duration.ofMillis(250);

    private final Path file;
    private final Clock clock;
    private final List<Consumer<Stages>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor;
    private volatile Stages stages;
    private volatile SourceStatus status = SourceStatus.fresh();

    private FileStageSource(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stage-file");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Reads {@code file} now (so the router starts with its stages) and then every {@code every}.
     *
     * @throws IllegalArgumentException when the file exists but is not a stages file: a router should not start
     *     on stages it cannot read
     */
    public static FileStageSource follow(Path file, Duration every, Clock clock) {
        FileStageSource source = new FileStageSource(Objects.requireNonNull(file, "file"), clock);
        source.stages = StageFile.read(file);
        source.executor.scheduleWithFixedDelay(source::poll, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return source;
    }

    /** The file being followed. */
    public Path file() {
        return file;
    }

    private void poll() {
        Stages next;
        try {
            next = StageFile.read(file);
        } catch (RuntimeException e) {
            if (!status.isStale()) {
                log.warn("keeping the last stages: {}", e.getMessage());
                status = SourceStatus.stale(clock.instant(), e.getMessage());
                Stages last = stages;
                listeners.forEach(l -> l.accept(last));
            }
            return;
        }
        boolean wasStale = status.isStale();
        if (wasStale) {
            log.info("the stages file {} reads again", file);
            status = SourceStatus.fresh();
        }
        if (!next.equals(stages) || wasStale) {
            stages = next;
            listeners.forEach(l -> l.accept(next));
        }
    }

    @Override
    public Stages current() {
        return stages;
    }

    @Override
    public void subscribe(Consumer<Stages> listener) {
        listeners.add(listener);
    }

    @Override
    public SourceStatus status() {
        return status;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
