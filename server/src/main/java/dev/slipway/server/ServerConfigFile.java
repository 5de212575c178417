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
import java.util.Set;

/**
 * {@code slipway server --config FILE}: the server's options written once, for a service manager, as YAML with the
 * flags' names without their dashes ({@code db: jdbc:postgresql://db:5432/slipway}). Flags given as well win. Paths
 * are relative to the file. Like the flags, the file holds no secret: passwords stay in the files it names.
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
            "--github-webhook-secret-file");

    private ServerConfigFile() {}

    /**
     * The options {@code file} sets, keyed like flags ({@code --db}); every mistake in it reported at once with its
     * line.
     *
     * @param known the flags the server accepts
     */
    static Map<String, String> read(Path file, Collection<String> known) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    "--config " + file,
                    "cannot read the server config file: " + e.getMessage(),
                    "check the path; it must be readable UTF-8 YAML"));
        }
        List<YamlDocument> docs = YamlDocuments.parse(text, file);
        Map<String, String> options = new LinkedHashMap<>();
        if (docs.isEmpty()) {
            return options;
        }
        List<Problem> problems = new ArrayList<>();
        if (docs.size() > 1) {
            problems.add(
                    Problem.at(docs.get(1).start(), "the config file holds more than one YAML document", "keep one"));
        }
        List<String> keys = known.stream()
                .filter(k -> !k.equals("--config"))
                .map(k -> k.substring(2))
                .sorted()
                .toList();
        YamlCursor root = docs.get(0).strictCursor(problems);
        if (root.expectObject(keys)) {
            Path base = file.toAbsolutePath().getParent();
            for (Map.Entry<String, YamlCursor> e : root.entries()) {
                String flag = "--" + e.getKey();
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
