package dev.slipway.local;

import dev.slipway.core.spec.AppLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Runs an app in its own JVM and prints the replicas' group ids, so a test can kill this JVM and look. */
public final class OrphanProbe {
    private OrphanProbe() {}

    public static void main(String[] args) {
        LocalApp local = LocalApp.start(
                AppLoader.load(Path.of(args[0])), 1, LocalFixture.options((replica, text) -> {}, 1, Map.of()), l -> {});
        local.awaitReady(Duration.ofSeconds(20));
        local.status().forEach(s -> System.out.println("pgid " + s.pid()));
        System.out.println("ready");
        System.out.flush();
        new java.util.concurrent.CompletableFuture<Void>().join();
    }
}
