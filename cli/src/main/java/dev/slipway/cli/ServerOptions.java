package dev.slipway.cli;

import dev.slipway.api.SlipwayClient;
import dev.slipway.cli.CliConfig.Setting;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * Sends a command through a Slipway server instead of to the clusters, so deploys from many people are queued
 * and recorded in one place. The token comes from a file or the OS keyring, never from argv, which every user can
 * read.
 */
final class ServerOptions {
    static final String SERVER_ENV = "SLIPWAY_SERVER";
    static final String TOKEN_FILE_ENV = "SLIPWAY_TOKEN_FILE";
    static final String CA_ENV = "SLIPWAY_SERVER_CA";

    @Option(
            names = "--server",
            paramLabel = "URL",
            description = "Go through the Slipway server at URL (e.g. https://slipway.internal:7420) instead of"
                    + " the clusters (default: $SLIPWAY_SERVER, else server: in ~/.config/slipway/config.yaml;"
                    + " unset = talk to the clusters directly; --server '' forces that).")
    String url;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "File holding the API token for --server (default: $SLIPWAY_TOKEN_FILE, else token-file:"
                    + " in config.yaml, else the server's OS keyring entry slipway login stored, else its file"
                    + " ~/.config/slipway/tokens/<URL>, else the older single ~/.config/slipway/token; must not"
                    + " be readable by other users).")
    Path tokenFile;

    @Option(
            names = "--ca",
            paramLabel = "FILE",
            description = "CA certificate (PEM) to trust for an https --server, e.g. the server's generated"
                    + " STATE_DIR/tls/ca.pem (default: $SLIPWAY_SERVER_CA, else ca: in config.yaml, else the"
                    + " system's trusted CAs).")
    Path ca;

    private CliConfig config;

    /** An API token and where it was found (never the token itself in any message). */
    record Token(String secret, String source) {}

    /** The server to go through, if any: the flag, else {@code $SLIPWAY_SERVER}, else the config file. */
    Optional<String> server(CliContext context) {
        return serverSetting(context).map(Setting::value);
    }

    boolean enabled(CliContext context) {
        return server(context).isPresent();
    }

    private Optional<Setting<String>> serverSetting(CliContext context) {
        if (url != null) {
            // An explicitly empty --server is the way to talk to the clusters when a default server is set.
            return Optional.of(url.strip()).filter(u -> !u.isEmpty()).map(u -> new Setting<>(u, "--server"));
        }
        return context.envValue(SERVER_ENV)
                .map(u -> new Setting<>(u.strip(), "$" + SERVER_ENV))
                .or(() -> config(context).server());
    }

    /** Connects to the server; every problem with the URL, token or CA is a user error naming what to fix. */
    SlipwayClient connect(CliContext context) {
        CheckedServer server = checkedServer(context);
        return open(context, server, token(context, server.setting().value(), TokenKeyring.ofSystem(context)));
    }

    /** Connects to the server with a token found elsewhere ({@code slipway login} checks one before storing it). */
    SlipwayClient connect(CliContext context, Token token) {
        return open(context, checkedServer(context), token);
    }

    /** The server as configured, and the URL to connect to (its loopback host pinned to the address checked). */
    private record CheckedServer(Setting<String> setting, String connectUrl) {}

    /** The server to go through, checked before any token is looked for. */
    private CheckedServer checkedServer(CliContext context) {
        Setting<String> server = serverSetting(context).orElseThrow();
        return new CheckedServer(server, checkUrl(server, LoopbackHost.Resolver.SYSTEM));
    }

    private SlipwayClient open(CliContext context, CheckedServer server, Token token) {
        Optional<Setting<Path>> caFile = Optional.ofNullable(ca)
                .map(f -> new Setting<>(context.resolve(f), "--ca"))
                .or(() -> context.envValue(CA_ENV).map(f -> new Setting<>(context.resolve(Path.of(f)), "$" + CA_ENV)))
                .or(() -> config(context).ca());
        if (caFile.isPresent() && !Files.isReadable(caFile.get().value())) {
            throw new InvalidInputException(new Problem(
                    caFile.get().where(),
                    "the CA certificate file " + caFile.get().value() + " does not exist or cannot be read",
                    "copy the server's STATE_DIR/tls/ca.pem there, or point --ca / $" + CA_ENV + " at it"));
        }
        try {
            return SlipwayClient.withToken(server.connectUrl(), token.secret(), caFile.map(Setting::value));
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    caFile.map(Setting::where).orElse(token.source()),
                    "cannot be used: " + e.getMessage(),
                    "check the file; a CA certificate must be PEM (the server's tls/ca.pem)"));
        }
    }

    /**
     * The token for {@code server}: the file named by --token-file, $SLIPWAY_TOKEN_FILE or the config file; else
     * the keyring's entry for the server; else the server's own token file; else the single token file of older
     * versions.
     */
    Token token(CliContext context, String server, Optional<TokenKeyring> keyring) {
        Optional<Setting<Path>> named = namedTokenFile(context);
        if (named.isPresent()) {
            return readTokenFile(named.get().value(), named.get().where());
        }
        String key = TokenFiles.key(server);
        String keyringSays = "";
        if (keyring.isPresent()) {
            try {
                Optional<String> stored = keyring.get().lookup(key);
                if (stored.isPresent()) {
                    return new Token(stored.get(), keyring.get().name() + " (entry for " + key + ")");
                }
                keyringSays = keyring.get().name() + " has no token for " + key;
            } catch (TokenKeyring.KeyringException e) {
                keyringSays = "the keyring could not be read: " + e.getMessage();
            }
        }
        Path own = TokenFiles.forServer(context, server);
        if (Files.exists(own)) {
            return readTokenFile(own, own.toString());
        }
        Path legacy = TokenFiles.legacy(context);
        if (Files.exists(legacy)) {
            // Older versions kept one file for every server; it serves until login gives this server its own.
            return readTokenFile(legacy, legacy + " (the single token file of older versions)");
        }
        throw new InvalidInputException(new Problem(
                own.toString(),
                "no token for " + key + ": no token file at this path"
                        + (keyringSays.isEmpty() ? "" : ", and " + keyringSays),
                fixFor(key)));
    }

    private static String fixFor(String server) {
        return "run slipway login --server " + server + " and paste the token the server's admin issued you"
                + " (POST /api/tokens), or put it in a file with mode 0600 and point --token-file, $"
                + TOKEN_FILE_ENV + " or token-file: in config.yaml at it";
    }

    /** The token file the user named (flag, environment, config file), if any. */
    Optional<Setting<Path>> namedTokenFile(CliContext context) {
        return Optional.ofNullable(tokenFile)
                .map(f -> new Setting<>(context.resolve(f), "--token-file"))
                .or(() -> context.envValue(TOKEN_FILE_ENV)
                        .map(f -> new Setting<>(context.resolve(Path.of(f)), "$" + TOKEN_FILE_ENV)))
                .or(() -> config(context).tokenFile());
    }

    private CliConfig config(CliContext context) {
        if (config == null) {
            config = CliConfig.load(context);
        }
        return config;
    }

    /**
     * Refuses a URL that is not http(s) with a host, or that would send the token in clear: plain http only to a
     * host that is this machine by its resolved addresses. Returns the URL to connect to.
     */
    static String checkUrl(Setting<String> setting, LoopbackHost.Resolver resolver) {
        String server = setting.value();
        String where = setting.where();
        URI uri;
        try {
            uri = new URI(server);
        } catch (URISyntaxException e) {
            throw badUrl(where, "is not a URL");
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw badUrl(where, "is not an http or https URL with a host");
        }
        if (!"http".equals(uri.getScheme())) {
            return server;
        }
        // The server only speaks plain HTTP on loopback; anywhere else the token would cross the network readable.
        LoopbackHost host = LoopbackHost.check(uri.getHost(), resolver);
        if (host instanceof LoopbackHost.Elsewhere elsewhere) {
            throw new InvalidInputException(new Problem(
                    where,
                    "uses plain http to a host that is not loopback, which would send the token unencrypted ("
                            + elsewhere.why() + ")",
                    "use https://, e.g. https://" + uri.getHost()
                            + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                            + " (with --ca FILE when the server uses its generated CA); plain http is only for"
                            + " 127.0.0.1, [::1] or localhost"));
        }
        String connectTo = ((LoopbackHost.Loopback) host).connectTo();
        if (connectTo.equalsIgnoreCase(uri.getHost())) {
            return server;
        }
        try {
            // The address just checked, not the name: a second DNS answer could point somewhere else.
            return new URI(
                            uri.getScheme(),
                            uri.getUserInfo(),
                            connectTo.startsWith("[") ? connectTo.substring(1, connectTo.length() - 1) : connectTo,
                            uri.getPort(),
                            uri.getPath(),
                            uri.getQuery(),
                            uri.getFragment())
                    .toString();
        } catch (URISyntaxException e) {
            throw badUrl(where, "is not a URL");
        }
    }

    private static InvalidInputException badUrl(String where, String what) {
        return new InvalidInputException(new Problem(
                where, what, "give the server's URL, e.g. https://slipway.internal:7420 (http only for 127.0.0.1)"));
    }

    /** Reads a token file, refusing a missing, empty or group/other-readable one. */
    private static Token readTokenFile(Path token, String where) {
        String fix = fixFor("URL");
        if (!Files.isRegularFile(token)) {
            throw new InvalidInputException(new Problem(
                    where.equals(token.toString()) ? token.toString() : where + " (" + token + ")",
                    "no token file at this path",
                    fix));
        }
        try {
            String secret = Files.readString(token, StandardCharsets.UTF_8).strip();
            if (secret.isEmpty()) {
                throw new InvalidInputException(new Problem(where, "the token file is empty", fix));
            }
            if (Files.getFileStore(token).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(token);
                if (permissions.contains(PosixFilePermission.GROUP_READ)
                        || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                    throw new InvalidInputException(new Problem(
                            where,
                            "the token file is readable by other users of this machine",
                            "run chmod 600 " + token));
                }
            }
            return new Token(secret, where);
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(where, "cannot be read: " + e.getMessage(), fix));
        }
    }
}
