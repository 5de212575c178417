package dev.slipway.server;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.manifest.YamlCursor;
import dev.slipway.core.manifest.YamlDocument;
import dev.slipway.core.manifest.YamlDocuments;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code slipway server --config FILE}: the server's options written once, for a service manager, as YAML with the
 * flags' names without their dashes ({@code db: jdbc:postgresql://db:5432/slipway}). Flags given as well win. Paths
 * are relative to the file. Like the flags, the file holds no secret: passwords stay in the files it names.
 *
 * <p>One key has no flag: {@code routers}, the routers in front of the cluster groups whose numbers the rollout
 * controller judges, each with its admin URL and the file holding its admin token:
 *
 * <pre>
 * routers:
 *   - admin: http://10.0.0.5:9901
 *     tokenFile: router-east.token
 * </pre>
 */
final class ServerConfigFile {
    /** Options whose value is a file or directory. */
    static final Set<String> PATHS = Set.of(
            "--state-dir",
            "--db-credentials-file",
            "--clusters",
            "--kubeconfig",
            "--tls-keystore",
            "--tls-password-file",
            "--github-webhook-secret-file",
            "--slack-signing-secret-file",
            "--chatops-public-key-file",
            "--sentry-dsn-file",
            "--events-webhook-url-file",
            "--events-chat-webhook-file");

    /** The key of the routers list, which has no flag. */
    static final String ROUTERS = "routers";

    /** The option {@link #read} puts the config file's own path under, for {@link #routers}: not a flag. */
    static final String FILE_OPTION = "config-file";

    private ServerConfigFile() {}

    /** The routers {@code file} lists under {@code routers:} (none when it has no such key). */
    static List<ServerConfig.RouterAdmin> routers(Path file) {
        List<YamlDocument> docs = parse(file);
        List<ServerConfig.RouterAdmin> routers = new ArrayList<>();
        if (docs.isEmpty()) {
            return routers;
        }
        List<Problem> problems = new ArrayList<>();
        Path base = file.toAbsolutePath().getParent();
        YamlCursor list = docs.get(0).strictCursor(problems).get(ROUTERS);
        for (YamlCursor item : list.items()) {
            if (!item.expectObject(List.of("admin", "tokenFile"))) {
                continue;
            }
            Optional<java.net.URI> admin = item.get("admin")
                    .requiredText("write the router's admin URL, e.g. admin: http://10.0.0.5:9901")
                    .flatMap(text -> adminUri(item.get("admin"), text));
            Optional<Path> tokenFile =
                    item.get("tokenFile").text().map(t -> base.resolve(t).normalize());
            admin.ifPresent(uri -> routers.add(new ServerConfig.RouterAdmin(uri, tokenFile)));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return routers;
    }

    private static Optional<java.net.URI> adminUri(YamlCursor at, String text) {
        String fix = "write it like http://10.0.0.5:9901 (the token goes in tokenFile, never in the URL)";
        java.net.URI uri;
        try {
            uri = new java.net.URI(text);
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        if (uri != null
                && (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null)) {
            // Not echoed: what is in it may be a credential.
            at.problem("the router's admin URL carries user info, a query or a fragment", fix);
            return Optional.empty();
        }
        if (uri != null && uri.getScheme() != null && uri.getScheme().matches("https?") && uri.getHost() != null) {
            return Optional.of(uri);
        }
        at.problem("'" + Inputs.echo(text) + "' is not an http(s) URL of a router's admin API", fix);
        return Optional.empty();
    }

    private static List<YamlDocument> parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    "--config " + file,
                    "cannot read the server config file: " + e.getMessage(),
                    "check the path; it must be readable UTF-8 YAML"));
        }
        return YamlDocuments.parse(text, file);
    }

    /**
     * The options {@code file} sets, keyed like flags ({@code --db}); every mistake in it reported at once with its
     * line.
     *
     * @param known the flags the server accepts
     */
    static Map<String, String> read(Path file, Collection<String> known) {
        List<YamlDocument> docs = parse(file);
        Map<String, String> options = new LinkedHashMap<>();
        if (docs.isEmpty()) {
            return options;
        }
        List<Problem> problems = new ArrayList<>();
        if (docs.size() > 1) {
            problems.add(
                    Problem.at(docs.get(1).start(), "the config file holds more than one YAML document", "keep one"));
        }
        List<String> keys = java.util.stream.Stream.concat(
                        known.stream().filter(k -> !k.equals("--config")).map(k -> k.substring(2)),
                        java.util.stream.Stream.of(ROUTERS))
                .sorted()
                .toList();
        YamlCursor root = docs.get(0).strictCursor(problems);
        if (root.expectObject(keys)) {
            Path base = file.toAbsolutePath().getParent();
            for (Map.Entry<String, YamlCursor> e : root.entries()) {
                String flag = "--" + e.getKey();
                if (e.getKey().equals(ROUTERS)) {
                    options.put(FILE_OPTION, file.toString());
                    continue; // read by routers(file)
                }
                if (!keys.contains(e.getKey())) {
                    continue; // expectObject reported it, with a suggestion
                }
                e.getValue()
                        .scalarText("write one value, e.g. " + e.getKey() + ": ...")
                        .ifPresent(value -> {
                            if (value.isBlank()) {
                                e.getValue().problem("is empty", "give it a value or delete the line");
                            } else {
                                options.put(
                                        flag,
                                        PATHS.contains(flag)
                                                ? base.resolve(value)
                                                        .normalize()
                                                        .toString()
                                                : value);
                            }
                        });
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return options;
    }
}
