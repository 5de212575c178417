package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.server.ServerClient;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * Sends a command through a Slipway server instead of to the clusters, so deploys from many people are queued
 * and recorded in one place. The token comes from a file, never from argv, which every user can read.
 */
final class ServerOptions {
    static final String SERVER_ENV = "SLIPWAY_SERVER";
    static final String TOKEN_FILE_ENV = "SLIPWAY_TOKEN_FILE";
    static final String CA_ENV = "SLIPWAY_SERVER_CA";

    @Option(
            names = "--server",
            paramLabel = "URL",
            description = "Go through the Slipway server at URL (e.g. https://slipway.internal:7420) instead of"
                    + " the clusters (default: $SLIPWAY_SERVER; unset = talk to the clusters directly).")
    String url;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "File holding the API token for --server (default: $SLIPWAY_TOKEN_FILE, else"
                    + " ~/.config/slipway/token; must not be readable by other users).")
    Path tokenFile;

    @Option(
            names = "--ca",
            paramLabel = "FILE",
            description = "CA certificate (PEM) to trust for an https --server, e.g. the server's generated"
                    + " STATE_DIR/tls/ca.pem (default: $SLIPWAY_SERVER_CA, else the system's trusted CAs).")
    Path ca;

    /** The server to go through, if any: the flag, else {@code $SLIPWAY_SERVER}. */
    Optional<String> server(CliContext context) {
        return Optional.ofNullable(url).filter(u -> !u.isBlank()).or(() -> context.envValue(SERVER_ENV));
    }

    boolean enabled(CliContext context) {
        return server(context).isPresent();
    }

    /** Connects to the server; every problem with the URL, token or CA is a user error naming what to fix. */
    ServerClient connect(CliContext context) {
        String server = server(context).orElseThrow();
        checkUrl(server);
        Path token = tokenFile(context);
        checkTokenFile(token);
        Optional<Path> caFile = Optional.ofNullable(ca)
                .map(context::resolve)
                .or(() -> context.envValue(CA_ENV).map(Path::of).map(context::resolve));
        if (caFile.isPresent() && !Files.isReadable(caFile.get())) {
            throw new InvalidInputException(new Problem(
                    "--ca " + caFile.get(),
                    "the CA certificate file does not exist or cannot be read",
                    "copy the server's STATE_DIR/tls/ca.pem here, or point --ca / $" + CA_ENV + " at it"));
        }
        try {
            return ServerClient.connect(server, token, caFile);
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    caFile.map(f -> "--ca " + f).orElse("--token-file " + token),
                    "cannot be used: " + e.getMessage(),
                    "check the file; a CA certificate must be PEM (the server's tls/ca.pem)"));
        }
    }

    Path tokenFile(CliContext context) {
        if (tokenFile != null) {
            return context.resolve(tokenFile);
        }
        return context.envValue(TOKEN_FILE_ENV)
                .map(Path::of)
                .map(context::resolve)
                .orElse(context.home().resolve(".config/slipway/token"));
    }

    private static void checkUrl(String server) {
        URI uri;
        try {
            uri = new URI(server);
        } catch (URISyntaxException e) {
            throw badUrl(server, "is not a URL");
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw badUrl(server, "is not an http or https URL with a host");
        }
        // The server only speaks plain HTTP on loopback; anywhere else the token would cross the network readable.
        if ("http".equals(uri.getScheme()) && !loopback(uri.getHost())) {
            throw badUrl(
                    server,
                    "uses plain http to a host that is not loopback, which would send the token" + " unencrypted");
        }
    }

    private static boolean loopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    private static InvalidInputException badUrl(String server, String what) {
        return new InvalidInputException(new Problem(
                "--server " + server,
                what,
                "give the server's URL, e.g. https://slipway.internal:7420 (http only for 127.0.0.1)"));
    }

    private static void checkTokenFile(Path token) {
        String fix = "put the token the server's admin issued you (POST /api/tokens) in that file with mode 0600,"
                + " or point --token-file / $" + TOKEN_FILE_ENV + " at it";
        if (!Files.isRegularFile(token)) {
            throw new InvalidInputException(new Problem("--token-file " + token, "no token file at this path", fix));
        }
        try {
            if (Files.readString(token).isBlank()) {
                throw new InvalidInputException(new Problem("--token-file " + token, "the token file is empty", fix));
            }
            if (Files.getFileStore(token).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(token);
                if (permissions.contains(PosixFilePermission.GROUP_READ)
                        || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                    throw new InvalidInputException(new Problem(
                            "--token-file " + token,
                            "the token file is readable by other users of this machine",
                            "run chmod 600 " + token));
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException(
                    new Problem("--token-file " + token, "cannot be read: " + e.getMessage(), fix));
        }
    }
}
