package dev.slipway.rollout.feed;

import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.Traffic;
import dev.slipway.router.Stage;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollout controller's {@link Traffic} as a {@link StageFile} per environment, which routers started with
 * {@code slipway router --env} follow through a {@link FileStageSource}: a stage is set for every service of the
 * environment in one cluster ({@link Stages#ALL_SERVICES}), the file rewritten whole. Setting the stage it
 * already has rewrites nothing; a file that is not a stages file is replaced.
 */
public final class StageFileTraffic implements Traffic {
    private static final Logger log = LoggerFactory.getLogger(StageFileTraffic.class);

    private final Function<RolloutKey, Path> files;
    private final Map<Path, Stages> written = new HashMap<>();

    /** @param files the stages file of each rollout, e.g. {@link StageFile#defaultPath} under the state directory */
    public StageFileTraffic(Function<RolloutKey, Path> files) {
        this.files = files;
    }

    /** The files at their default place under {@code stateDirectory}. */
    public static StageFileTraffic under(Path stateDirectory) {
        return new StageFileTraffic(key -> StageFile.defaultPath(stateDirectory, key.app(), key.environment()));
    }

    @Override
    public synchronized void setStage(RolloutKey key, String cluster, Stage stage) {
        Path file = files.apply(key);
        Stages now;
        try {
            now = StageFile.read(file);
        } catch (IllegalArgumentException broken) {
            // The controller decides these stages: a file someone broke is replaced by what it last wrote.
            log.warn("replacing {}: {}", file, broken.getMessage());
            now = written.getOrDefault(file, Stages.none());
        }
        Stages next = now.with(Stages.ALL_SERVICES, cluster, stage);
        if (!next.equals(now)) {
            StageFile.write(file, next);
        }
        written.put(file, next);
    }
}
