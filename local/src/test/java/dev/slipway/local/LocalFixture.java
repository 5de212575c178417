package dev.slipway.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.core.spec.App;
import dev.slipway.core.spec.AppLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** Test app directories, fast supervision settings and process-table checks. */
final class LocalFixture {
    static final Supervision FAST = new Supervision(
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            Duration.ofMillis(100),
            Duration.ofMillis(500),
            2,
            Duration.ofMillis(100),
            Duration.ofSeconds(1));

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private LocalFixture() {}

    /** An app directory with the fixture server and a slipway.yaml whose services section is {@code services}. */
    static App app(Path dir, String name, String services) {
        try {
            try (InputStream in = LocalFixture.class.getResourceAsStream("/fixture/server.py")) {
                Files.write(dir.resolve("server.py"), in.readAllBytes());
            }
            Files.writeString(dir.resolve("slipway.yaml"), "app: " + name + "\nservices:\n" + services);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return AppLoader.load(dir);
    }

    static LocalApp.Options options(LogSink sink, int clusters, Map<String, String> secrets) {
        return new LocalApp.Options(
                "local",
                clusters,
                Optional.empty(),
                (app, names) -> {
                    Map<String, String> out = new java.util.LinkedHashMap<>();
                    names.forEach(n -> out.put(n, secrets.get(n)));
                    return out;
                },
                Map.of("PATH", System.getenv("PATH")),
                FAST,
                sink,
                java.time.Clock.systemUTC());
    }

    /** A sink that remembers every formatted line. */
    static final class Captured implements LogSink {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void line(ReplicaId replica, String text) {
            lines.add(LogSink.format(replica, text));
        }
    }

    static String get(int port, String path) {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "failed " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Pids of living (non-zombie) processes whose process group is {@code pgid}, read from /proc. */
    static List<Long> groupMembers(long pgid) {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (!f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
                    out.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Waits until no living process is left in any of {@code groups}. A stopped replica's leader is gone when its
     * stop returns, but the parent-death watchdog in its group notices a moment later, so a check at once races.
     */
    static void awaitGroupsGone(Collection<Long> groups) {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> groups.forEach(g ->
                        assertThat(groupMembers(g)).as("process group " + g).isEmpty()));
    }
}
