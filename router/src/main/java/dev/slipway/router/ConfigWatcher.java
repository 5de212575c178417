package dev.slipway.router;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the router when its config file changes. Watches the directory, not the file, because editors and
 * config management replace files by rename.
 */
final class ConfigWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    private final WatchService service;

    private ConfigWatcher(WatchService service) {
        this.service = service;
    }

    static ConfigWatcher watch(Path file, Runnable onChange) {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        Path name = absolute.getFileName();
        try {
            WatchService service = FileSystems.getDefault().newWatchService();
            dir.register(
                    service,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            Thread t = new Thread(() -> loop(service, name, onChange), "router-config-watch");
            t.setDaemon(true);
            t.start();
            return new ConfigWatcher(service);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + dir + " for config changes", e);
        }
    }

    private static void loop(WatchService service, Path name, Runnable onChange) {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean ours = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(event.context())) {
                        ours = true;
                    }
                }
                key.reset();
                if (ours) {
                    try {
                        onChange.run();
                    } catch (RuntimeException e) {
                        log.error("config reload failed unexpectedly", e);
                    }
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            log.debug("config watch stopped");
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            log.debug("closing the config watch failed: {}", e.toString());
        }
    }
}
