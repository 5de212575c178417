package dev.slipway.server;

import dev.slipway.store.StoreConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * @param clustersFile the clusters file deploys resolve cluster groups from; empty runs labs on the local backend
 *     (supervised processes behind the server's own router) and refuses environment deploys
 * @param serverId this server's stable identity among servers sharing a database; deploys it was running when it
 *     died are recognised by it on restart
 * @param tls the TLS keystore to use; empty generates (once) a self-signed CA and server certificate in stateDir
 * @param githubWebhookSecret the shared secret GitHub signs webhook payloads with; empty disables the webhook
 * @param defaultLabTtl how long a lab lives after its last deploy, unless its app says otherwise
 * @param maxLabTtl the longest lab lifetime a request may ask for (an app's or a lab's ttl, an extension); longer
 *     asks are refused
 * @param deployTimeout how long a deploy waits for health on each cluster
 * @param reaperInterval how often expired labs are looked for
 * @param routerPort the loopback port of the router in front of local labs (without a clusters file); 0 picks one
 * @param labUrlTemplate a cluster lab's URL, with {@code {lab}}, {@code {app}} and {@code {namespace}} filled in;
 *     empty: cluster labs have no URL
 * @param cacheDir where exported commits are cached ({@code checkouts/}); the state directory unless the defaults
 *     of {@link dev.slipway.core.SlipwayPaths} put it in the user's cache directory
 * @param heartbeat how often the server renews its liveness lease; the lease lasts three heartbeats
 * @param labUser the user local labs run as (the server must run as root); empty: the server's own user
 * @param routers the routers in front of the cluster groups, whose numbers the rollout controller judges
 * @param chat the chat front ends the server answers (Slack's slash command when its signing secret is set)
 * @param events where abnormal Kubernetes events are forwarded, and how (docs/events.md)
 */
public record ServerConfig(
        String host,
        int port,
        Path stateDir,
        StoreConfig store,
        Optional<Path> clustersFile,
        String serverId,
        Optional<TlsKeystore> tls,
        Optional<String> githubWebhookSecret,
        Duration defaultLabTtl,
        Duration maxLabTtl,
        Duration deployTimeout,
        Duration reaperInterval,
        int routerPort,
        Optional<String> labUrlTemplate,
        Path cacheDir,
        Duration heartbeat,
        Optional<String> labUser,
        List<RouterAdmin> routers,
        Chat chat,
        EventForwarding events) {

    public static final Duration DEFAULT_LAB_TTL = dev.slipway.core.lab.LabExpiry.DEFAULT_TTL;
    public static final Duration DEFAULT_MAX_LAB_TTL = Duration.ofDays(30);
    public static final int DEFAULT_ROUTER_PORT = 8080;
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(clustersFile, "clustersFile");
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(githubWebhookSecret, "githubWebhookSecret");
        Objects.requireNonNull(labUrlTemplate, "labUrlTemplate");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(maxLabTtl, "maxLabTtl");
        Objects.requireNonNull(labUser, "labUser");
        routers = List.copyOf(routers);
        Objects.requireNonNull(chat, "chat");
        Objects.requireNonNull(events, "events");
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("heartbeat must be positive");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535");
        }
        if (routerPort < 0 || routerPort > 65535) {
            throw new IllegalArgumentException("routerPort must be 0..65535");
        }
    }

    /** A server on loopback with the embedded store in {@code stateDir}, defaults for everything else. */
    public static ServerConfig loopback(Path stateDir, Path clustersFile) {
        return localLabs(stateDir).withClustersFile(Optional.of(clustersFile));
    }

    /** As {@link #loopback(Path, Path)} without clusters: labs run as local processes behind the server's router. */
    public static ServerConfig localLabs(Path stateDir) {
        return new ServerConfig(
                "127.0.0.1",
                0,
                stateDir,
                StoreConfig.h2File(stateDir.resolve("store")),
                Optional.empty(),
                defaultServerId(),
                Optional.empty(),
                Optional.empty(),
                DEFAULT_LAB_TTL,
                DEFAULT_MAX_LAB_TTL,
                Duration.ofMinutes(5),
                Duration.ofSeconds(30),
                DEFAULT_ROUTER_PORT,
                Optional.empty(),
                stateDir,
                DEFAULT_HEARTBEAT,
                Optional.empty(),
                List.of(),
                Chat.OFF,
                EventForwarding.DEFAULTS);
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
        return new Copy(this).store(newStore).build();
    }

    public ServerConfig withClustersFile(Optional<Path> file) {
        return new Copy(this).clustersFile(file).build();
    }

    public ServerConfig withServerId(String id) {
        return new Copy(this).serverId(id).build();
    }

    public ServerConfig withBind(String newHost, int newPort) {
        return new Copy(this).bind(newHost, newPort).build();
    }

    public ServerConfig withTls(Optional<TlsKeystore> keystore) {
        return new Copy(this).tls(keystore).build();
    }

    public ServerConfig withGithubWebhookSecret(String secret) {
        return new Copy(this).githubWebhookSecret(Optional.of(secret)).build();
    }

    public ServerConfig withDefaultLabTtl(Duration ttl) {
        return new Copy(this).defaultLabTtl(ttl).build();
    }

    public ServerConfig withMaxLabTtl(Duration max) {
        return new Copy(this).maxLabTtl(max).build();
    }

    public ServerConfig withDeployTimeout(Duration timeout) {
        return new Copy(this).deployTimeout(timeout).build();
    }

    public ServerConfig withReaperInterval(Duration interval) {
        return new Copy(this).reaperInterval(interval).build();
    }

    public ServerConfig withRouterPort(int newRouterPort) {
        return new Copy(this).routerPort(newRouterPort).build();
    }

    public ServerConfig withLabUrlTemplate(Optional<String> template) {
        return new Copy(this).labUrlTemplate(template).build();
    }

    public ServerConfig withCacheDir(Path dir) {
        return new Copy(this).cacheDir(dir).build();
    }

    public ServerConfig withHeartbeat(Duration interval) {
        return new Copy(this).heartbeat(interval).build();
    }

    public ServerConfig withLabUser(Optional<String> user) {
        return new Copy(this).labUser(user).build();
    }

    /** How long the liveness lease lasts: three heartbeats, so one slow or failed renewal does not lose it. */
    public Duration leaseTtl() {
        return heartbeat.multipliedBy(3);
    }

    /** Labs run as local processes when no clusters file is configured. */
    public boolean localLabsOnly() {
        return clustersFile.isEmpty();
    }

    /** Whether the bind address only accepts connections from this machine (and so may serve plain HTTP). */
    public boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public ServerConfig withRouters(List<RouterAdmin> list) {
        return new Copy(this).routers(list).build();
    }

    /**
     * A router's admin API, read by the rollout controller ({@code GET /stats}).
     *
     * @param admin its admin URL, e.g. {@code http://10.0.0.5:9901}
     * @param tokenFile the file holding its admin token (owner-only); empty for a router whose admin API takes
     *     none
     */
    public record RouterAdmin(java.net.URI admin, Optional<Path> tokenFile) {
        public RouterAdmin {
            Objects.requireNonNull(admin, "admin");
            Objects.requireNonNull(tokenFile, "tokenFile");
        }
    }

    /** A PKCS#12 keystore given by the operator, with the file holding its password. */
    public record TlsKeystore(Path keystore, Path passwordFile) {}

    /**
     * The chat front ends.
     *
     * @param slackSigningSecret the Slack app's signing secret (read from a file); empty: no Slack endpoint
     * @param slackResponseUrlPrefix where follow-ups may be posted: a command's {@code response_url} must start with
     *     it (Slack's own hooks), so a forged one cannot make the server post elsewhere
     * @param chatopsPublicKeys the chatops RPC client's public key(s) in PEM; empty: no {@code /_chatops}
     * @param chatopsBaseUrl the server's URL as the chatops client sees it (it signs the full URL); empty: the
     *     server's own
     */
    public record Chat(
            Optional<String> slackSigningSecret,
            String slackResponseUrlPrefix,
            Optional<String> chatopsPublicKeys,
            Optional<String> chatopsBaseUrl) {
        public static final String SLACK_HOOKS = "https://hooks.slack.com/";
        public static final Chat OFF = new Chat(Optional.empty(), SLACK_HOOKS, Optional.empty(), Optional.empty());

        public Chat {
            Objects.requireNonNull(slackSigningSecret, "slackSigningSecret");
            Objects.requireNonNull(slackResponseUrlPrefix, "slackResponseUrlPrefix");
            Objects.requireNonNull(chatopsPublicKeys, "chatopsPublicKeys");
            Objects.requireNonNull(chatopsBaseUrl, "chatopsBaseUrl");
        }

        /** Slack's slash command, verified with {@code signingSecret}. */
        public static Chat slack(String signingSecret) {
            return OFF.withSlack(signingSecret);
        }

        public Chat withSlack(String signingSecret) {
            return new Chat(Optional.of(signingSecret), slackResponseUrlPrefix, chatopsPublicKeys, chatopsBaseUrl);
        }

        /** Follow-ups go only to URLs under {@code prefix} instead (a test's receiver). */
        public Chat withResponseUrlPrefix(String prefix) {
            return new Chat(slackSigningSecret, prefix, chatopsPublicKeys, chatopsBaseUrl);
        }

        /** The chatops RPC endpoint, its requests verified with {@code pem}'s keys. */
        public Chat withChatops(String pem, Optional<String> baseUrl) {
            return new Chat(slackSigningSecret, slackResponseUrlPrefix, Optional.of(pem), baseUrl);
        }

        @Override
        public String toString() {
            return "Chat[slack " + (slackSigningSecret.isPresent() ? "on" : "off") + ", follow-ups to "
                    + slackResponseUrlPrefix + ", chatops " + (chatopsPublicKeys.isPresent() ? "on" : "off") + "]";
        }
    }

    public ServerConfig withChat(Chat value) {
        return new Copy(this).chat(value).build();
    }

    public ServerConfig withEvents(EventForwarding value) {
        return new Copy(this).events(value).build();
    }

    /** A field-by-field copy, so each {@code with...} names only what it changes. */
    private static final class Copy {
        private String host;
        private int port;
        private final Path stateDir;
        private StoreConfig store;
        private Optional<Path> clustersFile;
        private String serverId;
        private Optional<TlsKeystore> tls;
        private Optional<String> githubWebhookSecret;
        private Duration defaultLabTtl;
        private Duration maxLabTtl;
        private Duration deployTimeout;
        private Duration reaperInterval;
        private int routerPort;
        private Optional<String> labUrlTemplate;
        private Path cacheDir;
        private Duration heartbeat;
        private Optional<String> labUser;
        private List<RouterAdmin> routers;
        private Chat chat;
        private EventForwarding events;

        Copy(ServerConfig c) {
            host = c.host;
            port = c.port;
            stateDir = c.stateDir;
            store = c.store;
            clustersFile = c.clustersFile;
            serverId = c.serverId;
            tls = c.tls;
            githubWebhookSecret = c.githubWebhookSecret;
            defaultLabTtl = c.defaultLabTtl;
            maxLabTtl = c.maxLabTtl;
            deployTimeout = c.deployTimeout;
            reaperInterval = c.reaperInterval;
            routerPort = c.routerPort;
            labUrlTemplate = c.labUrlTemplate;
            cacheDir = c.cacheDir;
            heartbeat = c.heartbeat;
            labUser = c.labUser;
            routers = c.routers;
            chat = c.chat;
            events = c.events;
        }

        Copy chat(Chat value) {
            chat = value;
            return this;
        }

        Copy events(EventForwarding value) {
            events = value;
            return this;
        }

        Copy routers(List<RouterAdmin> value) {
            routers = value;
            return this;
        }

        Copy labUser(Optional<String> value) {
            labUser = value;
            return this;
        }

        Copy cacheDir(Path value) {
            cacheDir = value;
            return this;
        }

        Copy heartbeat(Duration value) {
            heartbeat = value;
            return this;
        }

        Copy store(StoreConfig value) {
            store = value;
            return this;
        }

        Copy clustersFile(Optional<Path> value) {
            clustersFile = value;
            return this;
        }

        Copy serverId(String value) {
            serverId = value;
            return this;
        }

        Copy bind(String newHost, int newPort) {
            host = newHost;
            port = newPort;
            return this;
        }

        Copy tls(Optional<TlsKeystore> value) {
            tls = value;
            return this;
        }

        Copy githubWebhookSecret(Optional<String> value) {
            githubWebhookSecret = value;
            return this;
        }

        Copy defaultLabTtl(Duration value) {
            defaultLabTtl = value;
            return this;
        }

        Copy maxLabTtl(Duration value) {
            maxLabTtl = value;
            return this;
        }

        Copy deployTimeout(Duration value) {
            deployTimeout = value;
            return this;
        }

        Copy reaperInterval(Duration value) {
            reaperInterval = value;
            return this;
        }

        Copy routerPort(int value) {
            routerPort = value;
            return this;
        }

        Copy labUrlTemplate(Optional<String> value) {
            labUrlTemplate = value;
            return this;
        }

        ServerConfig build() {
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
                    maxLabTtl,
                    deployTimeout,
                    reaperInterval,
                    routerPort,
                    labUrlTemplate,
                    cacheDir,
                    heartbeat,
                    labUser,
                    routers,
                    chat,
                    events);
        }
    }
}
