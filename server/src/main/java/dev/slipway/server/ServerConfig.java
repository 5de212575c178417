package dev.slipway.server;

import dev.slipway.store.StoreConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code slipway server} is started with; one value so the command, tests and benchmarks start the same
 * server.
 *
 * @param host the address to bind; anything but loopback gets TLS
 * @param port the port to bind; 0 picks a free one
 * @param stateDir where the first admin token, the TLS CA and (by default) the H2 database live
 * @param store the database
 * @param clustersFile the clusters file deploys resolve cluster groups from
 * @param serverId this server's stable identity among servers sharing a database; deploys it was running when it
 *     died are recognised by it on restart
 * @param tls the TLS keystore to use; empty generates (once) a self-signed CA and server certificate in stateDir
 * @param githubWebhookSecret the shared secret GitHub signs webhook payloads with; empty disables the webhook
 * @param defaultLabTtl how long a lab lives after its last deploy, unless its app says otherwise
 * @param deployTimeout how long a deploy waits for health on each cluster
 * @param reaperInterval how often expired labs are looked for
 */
public record ServerConfig(
        String host,
        int port,
        Path stateDir,
        StoreConfig store,
        Path clustersFile,
        String serverId,
        Optional<TlsKeystore> tls,
        Optional<String> githubWebhookSecret,
        Duration defaultLabTtl,
        Duration deployTimeout,
        Duration reaperInterval) {

    public static final Duration DEFAULT_LAB_TTL = Duration.ofHours(24);

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(clustersFile, "clustersFile");
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(githubWebhookSecret, "githubWebhookSecret");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535");
        }
    }

    /** A server on loopback with the embedded store in {@code stateDir}, defaults for everything else. */
    public static ServerConfig loopback(Path stateDir, Path clustersFile) {
        return new ServerConfig(
                "127.0.0.1",
                0,
                stateDir,
                StoreConfig.h2File(stateDir.resolve("store")),
                clustersFile,
                defaultServerId(),
                Optional.empty(),
                Optional.empty(),
                DEFAULT_LAB_TTL,
                Duration.ofMinutes(5),
                Duration.ofSeconds(30));
    }

    /** The host name: stable across restarts, which is what lets a restarted server recognise its own deploys. */
    public static String defaultServerId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "slipway-server";
        }
    }

    public ServerConfig withStore(StoreConfig newStore) {
        return new ServerConfig(
                host,
                port,
                stateDir,
                newStore,
                clustersFile,
                serverId,
                tls,
                githubWebhookSecret,
                defaultLabTtl,
                deployTimeout,
                reaperInterval);
    }

    public ServerConfig withServerId(String id) {
        return new ServerConfig(
                host,
                port,
                stateDir,
                store,
                clustersFile,
                id,
                tls,
                githubWebhookSecret,
                defaultLabTtl,
                deployTimeout,
                reaperInterval);
    }

    public ServerConfig withBind(String newHost, int newPort) {
        return new ServerConfig(
                newHost,
                newPort,
                stateDir,
                store,
                clustersFile,
                serverId,
                tls,
                githubWebhookSecret,
                defaultLabTtl,
                deployTimeout,
                reaperInterval);
    }

    public ServerConfig withGithubWebhookSecret(String secret) {
        return new ServerConfig(
                host,
                port,
                stateDir,
                store,
                clustersFile,
                serverId,
                tls,
                Optional.of(secret),
                defaultLabTtl,
                deployTimeout,
                reaperInterval);
    }

    public ServerConfig withDeployTimeout(Duration timeout) {
        return new ServerConfig(
                host,
                port,
                stateDir,
                store,
                clustersFile,
                serverId,
                tls,
                githubWebhookSecret,
                defaultLabTtl,
                timeout,
                reaperInterval);
    }

    public ServerConfig withReaperInterval(Duration interval) {
        return new ServerConfig(
                host,
                port,
                stateDir,
                store,
                clustersFile,
                serverId,
                tls,
                githubWebhookSecret,
                defaultLabTtl,
                deployTimeout,
                interval);
    }

    /** Whether the bind address only accepts connections from this machine (and so may serve plain HTTP). */
    public boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A PKCS#12 keystore given by the operator, with the file holding its password. */
    public record TlsKeystore(Path keystore, Path passwordFile) {}
}
