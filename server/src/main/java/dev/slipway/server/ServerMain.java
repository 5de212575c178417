package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.Problem;
import dev.slipway.core.SlipwayPaths;
import dev.slipway.core.cluster.ClustersConfigLoader;
import dev.slipway.core.spec.Durations;
import dev.slipway.kube.KubeClusterTargets;
import dev.slipway.secrets.SecretStore;
import dev.slipway.store.DatabaseCredentials;
import dev.slipway.store.StoreConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the server until the process is stopped: the entry point behind {@code slipway server} (the CLI delegates to
 * {@link #run}) and a plain {@code java -cp ... dev.slipway.server.ServerMain} for service managers. Credentials
 * (database password, TLS password, webhook secret) are only ever read from files or the environment.
 */
public final class ServerMain {

    static final String USAGE = """
            usage: slipway server [--config FILE] [--host ADDR] [--port N] [--state-dir DIR] [--db JDBC_URL]
                                  [--db-credentials-file FILE] [--clusters FILE] [--kubeconfig FILE]
                                  [--server-id ID] [--tls-keystore FILE.p12 --tls-password-file FILE]
                                  [--github-webhook-secret-file FILE] [--slack-signing-secret-file FILE]
                                  [--chatops-public-key-file FILE.pem [--chatops-base-url URL]]
                                  [--sentry-dsn-file FILE] [--events-webhook-url-file FILE]
                                  [--events-chat-webhook-file FILE]
                                  [--lab-ttl 24h] [--max-lab-ttl 30d]
                                  [--deploy-timeout 5m]
                                  [--reaper-interval 30s] [--router-port 8080]
                                  [--lab-url-template 'https://{lab}.{app}.labs.example.com'] [--lab-user NAME]
            Without a clusters file, labs run as local processes behind a router on 127.0.0.1:--router-port,
            as --lab-user when the server runs as root.
            PostgreSQL credentials come from --db-credentials-file (user=, password=) or PGUSER/PGPASSWORD.
            --config FILE reads the same options from YAML (db: ..., port: 7420); flags override it.""";

    /** An http(s) URL read from an owner-only file named by {@code option}; the value is never shown. */
    private static java.net.URI webhookUrl(Map<String, String> options, String option, String what, String example)
            throws IOException {
        Path file = Path.of(options.get(option));
        OwnerOnlyFiles.requirePrivate(file, what);
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        java.net.URI url;
        try {
            url = new java.net.URI(text);
        } catch (java.net.URISyntaxException e) {
            url = null;
        }
        if (url == null || url.getScheme() == null || !url.getScheme().matches("https?") || url.getHost() == null) {
            throw invalid(
                    option + " " + file,
                    "the file does not hold an http(s) URL (its value is not shown: it may carry a token)",
                    "write the URL alone, like " + example);
        }
        return url;
    }

    private static final Set<String> OPTIONS = Set.of(
            "--config",
            "--host",
            "--port",
            "--state-dir",
            "--db",
            "--db-credentials-file",
            "--clusters",
            "--kubeconfig",
            "--server-id",
            "--tls-keystore",
            "--tls-password-file",
            "--github-webhook-secret-file",
            "--slack-signing-secret-file",
            "--chatops-public-key-file",
            "--chatops-base-url",
            "--sentry-dsn-file",
            "--events-webhook-url-file",
            "--events-chat-webhook-file",
            "--lab-ttl",
            "--max-lab-ttl",
            "--deploy-timeout",
            "--reaper-interval",
            "--router-port",
            "--lab-url-template",
            "--lab-user");

    private ServerMain() {}

    public static void main(String[] args) {
        // user.home (the passwd entry) is only the fallback for an unset $HOME; see SlipwayPaths.
        String passwdHome = System.getProperty("user.home");
        System.exit(
                run(args, System.getenv(), passwdHome == null ? null : Path.of(passwdHome), System.out, System.err));
    }

    /**
     * Parses the options, starts the server and blocks until the JVM shuts down; returns 2 for a usage error and 1 for
     * invalid configuration.
     *
     * @param home the passwd entry's home directory, used only when {@code $HOME} is not set in {@code env}
     */
    public static int run(String[] args, Map<String, String> env, Path home, PrintStream out, PrintStream err) {
        return run(args, env, home, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    /** As {@link #run(String[], Map, Path, PrintStream, PrintStream)}, for callers that print through writers (the CLI). */
    public static int run(String[] args, Map<String, String> env, Path home, PrintWriter out, PrintWriter err) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!OPTIONS.contains(args[i]) || i + 1 >= args.length) {
                err.println("slipway server: unknown option or missing value: " + args[i]);
                err.println(USAGE);
                err.flush();
                return 2;
            }
            options.put(args[i], args[++i]);
        }
        SlipwayServer server;
        try {
            options = withConfigFile(options);
            ServerConfig config = config(options, env, home);
            if (!options.containsKey("--state-dir")) {
                SlipwayPaths.of(env, home)
                        .legacyNoticeOnce()
                        .ifPresent(notice -> err.println("slipway server: " + notice));
            }
            KubeClusterTargets targets = KubeClusterTargets.fromKubeconfig(kubeconfig(options, env, home));
            server = SlipwayServer.start(config, Clock.systemUTC(), targets, secretStore(env, home));
            out.println("slipway server listening on " + server.url());
            server.labRouterPort()
                    .ifPresent(p -> out.println("no clusters file: labs run on this machine at http://"
                            + dev.slipway.local.LocalRouting.labHost("<app>", "<lab>") + ":" + p + "/"));
            server.adminTokenFile()
                    .ifPresent(f -> out.println("first admin token written to " + f + " (readable by this user only)"));
            server.generatedCaCertificate()
                    .ifPresent(f -> out.println("clients should trust the server's CA certificate " + f));
            out.flush();
        } catch (InvalidInputException e) {
            e.problems().forEach(p -> err.println("slipway server: " + p.describe()));
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("slipway server: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                        },
                        "slipway-server-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The flags, completed by the {@code --config} file if one is named; a flag given wins over the file. */
    static Map<String, String> withConfigFile(Map<String, String> flags) {
        Map<String, String> options = new HashMap<>(flags);
        String file = options.remove("--config");
        if (file != null) {
            ServerConfigFile.read(Path.of(file), OPTIONS).forEach(options::putIfAbsent);
        }
        return options;
    }

    /**
     * The server's configuration from its options; without {@code --state-dir} the state goes to Slipway's state
     * directory and exported commits to its cache directory ({@link SlipwayPaths}), with it everything goes there.
     */
    static ServerConfig config(Map<String, String> options, Map<String, String> env, Path home) throws IOException {
        SlipwayPaths paths = SlipwayPaths.of(env, home);
        Optional<Path> givenStateDir =
                Optional.ofNullable(options.get("--state-dir")).map(Path::of);
        Path stateDir = givenStateDir.orElse(paths.state());
        StoreConfig store;
        if (options.containsKey("--db")) {
            String url = options.get("--db");
            DatabaseCredentials credentials;
            if (options.containsKey("--db-credentials-file")) {
                Path file = Path.of(options.get("--db-credentials-file"));
                OwnerOnlyFiles.requirePrivate(file, "database credentials");
                credentials = DatabaseCredentials.fromFile(file);
            } else {
                credentials = DatabaseCredentials.fromEnvironment(env);
            }
            if (url.startsWith("jdbc:h2:")) {
                // The server closes the database itself, last, as it stops (see StoreConfig.h2File).
                String closedByServer = url.toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_ON_EXIT")
                        ? url
                        : url + ";DB_CLOSE_ON_EXIT=FALSE";
                store = new StoreConfig(closedByServer, credentials, Optional.empty(), 8);
            } else if (url.startsWith("jdbc:postgresql:")) {
                if (url.contains("password=")) {
                    throw invalid(
                            "--db",
                            "the JDBC URL contains a password, which would show in the process list",
                            "put it in --db-credentials-file or PGPASSWORD instead");
                }
                store = StoreConfig.postgres(url, credentials);
            } else {
                throw invalid(
                        "--db",
                        "'" + url + "' is neither an H2 nor a PostgreSQL JDBC URL",
                        "use jdbc:postgresql://host:5432/db");
            }
        } else {
            store = StoreConfig.h2File(stateDir.resolve("store"));
        }
        ServerConfig config = ServerConfig.localLabs(stateDir)
                .withCacheDir(givenStateDir.orElse(paths.cache()))
                .withClustersFile(clustersFile(options, env, home))
                .withStore(store)
                .withBind(options.getOrDefault("--host", "127.0.0.1"), port(options.getOrDefault("--port", "7420")));
        if (options.containsKey("--server-id")) {
            config = config.withServerId(options.get("--server-id"));
        }
        if (options.containsKey("--github-webhook-secret-file")) {
            Path file = Path.of(options.get("--github-webhook-secret-file"));
            OwnerOnlyFiles.requirePrivate(file, "GitHub webhook secret");
            config = config.withGithubWebhookSecret(
                    Files.readString(file, StandardCharsets.UTF_8).strip());
        }
        if (options.containsKey("--slack-signing-secret-file")) {
            // Slack's slash command at POST /chat/slack/commands (docs/chat.md).
            Path file = Path.of(options.get("--slack-signing-secret-file"));
            OwnerOnlyFiles.requirePrivate(file, "Slack signing secret");
            config = config.withChat(config.chat()
                    .withSlack(Files.readString(file, StandardCharsets.UTF_8).strip()));
        }
        if (options.containsKey("--chatops-public-key-file")) {
            // A chatops RPC client's public key: not a secret, but what decides who may run commands.
            Path file = Path.of(options.get("--chatops-public-key-file"));
            String pem = Files.readString(file, StandardCharsets.UTF_8);
            try {
                dev.slipway.server.chat.ChatopsSignature.of(pem);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(
                        new Problem("--chatops-public-key-file " + file, e.getMessage(), "point it at the PEM file"));
            }
            config = config.withChat(config.chat()
                    .withChatops(
                            pem,
                            Optional.ofNullable(options.get("--chatops-base-url"))
                                    .map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u)));
        }
        if (options.containsKey("--sentry-dsn-file")) {
            // Abnormal Kubernetes events to an error tracker (docs/events.md); the DSN's key is a secret.
            Path file = Path.of(options.get("--sentry-dsn-file"));
            OwnerOnlyFiles.requirePrivate(file, "Sentry DSN");
            String dsn = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!dsn.matches("https?://[^@\\s/]+@[^\\s/]+(/[^\\s]*)?/[0-9A-Za-z_-]+")) {
                throw invalid(
                        "--sentry-dsn-file " + file,
                        "the file does not hold a Sentry DSN (its value is not shown: it is a secret)",
                        "write the DSN alone, like https://KEY@o1.ingest.sentry.io/PROJECT");
            }
            config = config.withEvents(config.events().withSentry(dsn));
        }
        if (options.containsKey("--events-webhook-url-file")) {
            config = config.withEvents(config.events()
                    .withWebhook(webhookUrl(
                            options,
                            "--events-webhook-url-file",
                            "events webhook URL",
                            "https://hooks.example.com/slipway-events")));
        }
        if (options.containsKey("--events-chat-webhook-file")) {
            // A chat channel's incoming webhook (Slack's format): its URL is the credential to post there.
            config = config.withEvents(config.events()
                    .withChat(webhookUrl(
                            options,
                            "--events-chat-webhook-file",
                            "chat incoming webhook URL",
                            "https://hooks.slack.com/services/T000/B000/XXXX")));
        }
        if (options.containsKey("--deploy-timeout")) {
            config = config.withDeployTimeout(duration(options, "--deploy-timeout"));
        }
        if (options.containsKey("--reaper-interval")) {
            config = config.withReaperInterval(duration(options, "--reaper-interval"));
        }
        if (options.containsKey("--max-lab-ttl")) {
            config = config.withMaxLabTtl(duration(options, "--max-lab-ttl"));
        }
        if (options.containsKey("--lab-ttl")) {
            config = config.withDefaultLabTtl(duration(options, "--lab-ttl"));
        }
        if (config.defaultLabTtl().compareTo(config.maxLabTtl()) > 0) {
            throw invalid(
                    "--lab-ttl",
                    "the default lab ttl " + Durations.format(config.defaultLabTtl()) + " is longer than --max-lab-ttl "
                            + Durations.format(config.maxLabTtl()),
                    "shorten --lab-ttl or raise --max-lab-ttl");
        }
        if (options.containsKey("--router-port")) {
            config = config.withRouterPort(port("--router-port", options.get("--router-port")));
        }
        if (options.containsKey("--lab-url-template")) {
            config = config.withLabUrlTemplate(Optional.of(labUrlTemplate(options.get("--lab-url-template"))));
        }
        if (options.containsKey("--lab-user")) {
            if (!config.localLabsOnly()) {
                throw invalid(
                        "--lab-user",
                        "labs run on clusters (a clusters file is configured), not as processes of this machine",
                        "leave --lab-user out; it applies to a server without clusters");
            }
            config = config.withLabUser(Optional.of(options.get("--lab-user")));
        }
        if (options.containsKey(ServerConfigFile.FILE_OPTION)) {
            config = config.withRouters(ServerConfigFile.routers(Path.of(options.get(ServerConfigFile.FILE_OPTION))));
        }
        if (options.containsKey("--tls-keystore")) {
            if (!options.containsKey("--tls-password-file")) {
                throw invalid(
                        "--tls-keystore",
                        "a keystore was given without --tls-password-file",
                        "add --tls-password-file FILE");
            }
            Path passwordFile = Path.of(options.get("--tls-password-file"));
            OwnerOnlyFiles.requirePrivate(passwordFile, "TLS keystore password");
            config = config.withTls(
                    Optional.of(new ServerConfig.TlsKeystore(Path.of(options.get("--tls-keystore")), passwordFile)));
        }
        return config;
    }

    /**
     * The clusters file given by {@code --clusters} or {@code $SLIPWAY_CLUSTERS} (which must exist), else the
     * default one if it exists; none at all means labs run on the local backend.
     */
    private static Optional<Path> clustersFile(Map<String, String> options, Map<String, String> env, Path home) {
        Optional<Path> flag = Optional.ofNullable(options.get("--clusters")).map(Path::of);
        boolean fromEnv = Optional.ofNullable(env.get(ClustersConfigLoader.ENV_VAR))
                .filter(v -> !v.isBlank())
                .isPresent();
        if (flag.isEmpty() && !fromEnv && !Files.isRegularFile(ClustersConfigLoader.defaultPath(env, home))) {
            return Optional.empty();
        }
        return Optional.of(ClustersConfigLoader.locate(flag, env, home));
    }

    /**
     * {@code --kubeconfig}, else what {@code $KUBECONFIG} names (fabric8 reads it, merging a list as kubectl
     * does), else {@code $HOME/.kube/config} when it exists, as kubectl finds it, else fabric8's own discovery
     * (a pod's service account).
     */
    static Optional<Path> kubeconfig(Map<String, String> options, Map<String, String> env, Path home) {
        if (options.containsKey("--kubeconfig")) {
            return Optional.of(Path.of(options.get("--kubeconfig")));
        }
        if (Optional.ofNullable(env.get("KUBECONFIG")).filter(v -> !v.isBlank()).isPresent()) {
            return Optional.empty();
        }
        Path inHome = SlipwayPaths.of(env, home).home().resolve(".kube").resolve("config");
        return Files.isRegularFile(inHome) ? Optional.of(inHome) : Optional.empty();
    }

    static String labUrlTemplate(String template) {
        if (!template.matches("https?://\\S+") || !template.contains("{lab}")) {
            throw invalid(
                    "--lab-url-template",
                    "'" + template + "' is not an http(s) URL template naming {lab}",
                    "write it like 'https://{lab}.{app}.labs.example.com' ({lab}, {app} and {namespace} are filled"
                            + " in)");
        }
        return template;
    }

    /**
     * The same encrypted store {@code slipway secret set} writes, so an app's secrets set by the user running the
     * server reach its deploys: {@code $SLIPWAY_SECRETS_KEY} / {@code $SLIPWAY_SECRETS_DIR}, else in Slipway's
     * config directory (usually {@code ~/.config/slipway/}).
     */
    static SecretStore secretStore(Map<String, String> env, Path home) {
        return SecretStore.forUser(env, home);
    }

    private static int port(String text) {
        return port("--port", text);
    }

    private static int port(String option, String text) {
        if (text.matches("[0-9]{1,5}") && Integer.parseInt(text) <= 65535) {
            return Integer.parseInt(text);
        }
        throw invalid(option, "'" + text + "' is not a port", "use a number from 0 to 65535");
    }

    private static Duration duration(Map<String, String> options, String option) {
        return Durations.parse(options.get(option))
                .orElseThrow(() -> invalid(
                        option, "'" + options.get(option) + "' is not a duration", "write it like 30s, 5m or 24h"));
    }

    private static InvalidInputException invalid(String where, String what, String fix) {
        return new InvalidInputException(List.of(new Problem(where, what, fix)));
    }
}
