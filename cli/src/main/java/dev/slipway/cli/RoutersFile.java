package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.core.Problem;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The routers {@code slipway rollout run} reads its numbers from: a YAML file listing each router's admin API and,
 * when it has one, the 0600 file holding its admin token (tokens never go on the command line).
 *
 * <pre>
 * routers:
 *   - admin: http://10.0.0.5:9901
 *     tokenFile: /etc/slipway/router-admin-token
 *   - admin: http://10.0.0.6:9901
 *     tokenFile: /etc/slipway/router-admin-token
 * </pre>
 */
final class RoutersFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One router: its admin API, and the token it wants, read from its file. */
    record RouterAdmin(URI admin, Optional<String> token) {
        @Override
        public String toString() {
            return admin.toString();
        }
    }

    private RoutersFile() {}

    /** With no file: the one router {@code slipway router --env} starts by default, on this machine. */
    static List<RouterAdmin> local() {
        return List.of(new RouterAdmin(URI.create("http://127.0.0.1:9901"), Optional.empty()));
    }

    static List<RouterAdmin> read(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw problem(
                    file,
                    "the routers file does not exist",
                    "write it as docs/rollouts.md shows, or leave out"
                            + " --routers to read the router on 127.0.0.1:9901");
        } catch (IOException e) {
            throw problem(file, "cannot read the routers file: " + e.getMessage(), "fix its YAML");
        }
        JsonNode list = root == null ? null : root.get("routers");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw problem(
                    file,
                    "no routers: the file needs a list `routers:` of `{admin: URL, tokenFile: FILE}`",
                    "list the admin API of every router in front of the group");
        }
        List<RouterAdmin> routers = new ArrayList<>();
        int i = 0;
        for (JsonNode r : list) {
            String where = "routers[" + i++ + "]";
            String admin = r.path("admin").asText("");
            URI uri;
            try {
                uri = URI.create(admin);
            } catch (IllegalArgumentException e) {
                uri = null;
            }
            if (uri == null
                    || uri.getHost() == null
                    || !(admin.startsWith("http://") || admin.startsWith("https://"))) {
                throw problem(
                        file,
                        where + ".admin '" + admin + "' is not an http(s) URL",
                        "give the router's admin address, e.g. http://127.0.0.1:9901");
            }
            Optional<String> token = Optional.empty();
            if (r.hasNonNull("tokenFile")) {
                Path tokenFile = file.toAbsolutePath()
                        .getParent()
                        .resolve(r.get("tokenFile").asText());
                token = Optional.of(token(tokenFile));
            }
            routers.add(new RouterAdmin(uri, token));
        }
        return routers;
    }

    private static String token(Path file) {
        try {
            OwnerOnlyFiles.requirePrivate(file, "router admin token");
            String token = Files.readString(file, StandardCharsets.UTF_8)
                    .lines()
                    .findFirst()
                    .orElse("")
                    .trim();
            if (token.isEmpty()) {
                throw problem(file, "the admin token file is empty", "put the router's admin token on its first line");
            }
            return token;
        } catch (NoSuchFileException e) {
            throw problem(
                    file,
                    "the admin token file does not exist",
                    "name the file the router was started with" + " (slipway router --admin-token-file)");
        } catch (IOException e) {
            throw problem(file, "cannot read the admin token file: " + e.getMessage(), "check its owner and mode");
        }
    }

    private static InvalidInputException problem(Path file, String what, String fix) {
        return new InvalidInputException(new Problem(file.toString(), what, fix));
    }
}
