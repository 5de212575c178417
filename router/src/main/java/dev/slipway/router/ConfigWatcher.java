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
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the router when its config file (or a certificate file) changes. Watches the directories, not the
 * files, because editors, config management and certificate tools replace files by rename or by a new symlink.
 */
final class ConfigWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    private final WatchService service;

    private ConfigWatcher(WatchService service) {
        this.service = service;
    }

    static ConfigWatcher watch(Path file, Runnable onChange) {
        return watch(List.of(file), "router-config-watch", onChange);
    }

    /** Runs {@code onChange} on a thread named {@code thread} whenever one of {@code files} changes. */
    static ConfigWatcher watch(Collection<Path> files, String thread, Runnable onChange) {
        Map<Path, Set<Path>> namesByDir = new HashMap<>();
        for (Path file : files) {
            Path absolute = file.toAbsolutePath();
            namesByDir
                    .computeIfAbsent(absolute.getParent(), d -> new HashSet<>())
                    .add(absolute.getFileName());
        }
        Path current = null;
        try {
            WatchService service = FileSystems.getDefault().newWatchService();
            Map<WatchKey, Set<Path>> names = new HashMap<>();
            for (Map.Entry<Path, Set<Path>> e : namesByDir.entrySet()) {
                current = e.getKey();
                names.put(
                        e.getKey()
                                .register(
                                        service,
                                        StandardWatchEventKinds.ENTRY_CREATE,
                                        StandardWatchEventKinds.ENTRY_MODIFY,
                                        StandardWatchEventKinds.ENTRY_DELETE),
                        e.getValue());
            }
            Thread t = new Thread(() -> loop(service, names, onChange), thread);
            t.setDaemon(true);
            t.start();
            return new ConfigWatcher(service);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + current + " for changes", e);
        }
    }

    private static void loop(WatchService service, Map<WatchKey, Set<Path>> names, Runnable onChange) {
        try {
            while (true) {
                WatchKey key = service.take();
                Set<Path> watched = names.getOrDefault(key, Set.of());
                boolean ours = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW || watched.contains(event.context())) {
                        ours = true;
                    }
                }
                key.reset();
                if (ours) {
                    try {
                        onChange.run();
                    } catch (RuntimeException e) {
                        log.error("reload failed unexpectedly", e);
                    }
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            log.debug("file watch stopped");
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            log.debug("closing the file watch failed: {}", e.toString());
        }
    }
}
