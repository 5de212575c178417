package dev.slipway.router;

import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Starts a router on ephemeral ports from YAML written to a temp dir, and cleans up everything it started. */
final class RouterFixture implements AutoCloseable {
    final Path configFile;
    final Router router;
    private final List<AutoCloseable> owned = new ArrayList<>();

    RouterFixture(Path dir, String yaml) {
        this(dir, yaml, Clock.systemUTC());
    }

    RouterFixture(Path dir, String yaml, Clock clock) {
        configFile = dir.resolve("router.yaml");
        write(yaml);
        router = Router.start(configFile, clock);
    }

    /** A router that asks {@code nameServers} (a test DNS server) for endpoint host names. */
    RouterFixture(Path dir, String yaml, DnsServerAddressStreamProvider nameServers) {
        configFile = dir.resolve("router.yaml");
        write(yaml);
        router = NettyRouter.start(configFile, Clock.systemUTC(), nameServers);
    }

    /** The listen/admin header every test config starts with: ephemeral ports on loopback. */
    static String header() {
        return """
                listen: 127.0.0.1:0
                admin: 127.0.0.1:0
                """;
    }

    void write(String yaml) {
        try {
            Path tmp = configFile.resolveSibling("router.yaml.tmp");
            Files.writeString(tmp, yaml);
            Files.move(
                    tmp,
                    configFile,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    TestClient client() {
        TestClient c = new TestClient(router.address());
        owned.add(c);
        return c;
    }

    TestClient admin() {
        TestClient c = new TestClient(
                router.adminAddress(), "127.0.0.1:" + router.adminAddress().getPort());
        owned.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : owned) {
            c.close();
        }
        router.close();
    }
}
