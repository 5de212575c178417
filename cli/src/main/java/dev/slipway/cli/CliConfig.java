package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.manifest.YamlCursor;
import dev.slipway.core.manifest.YamlDocument;
import dev.slipway.core.manifest.YamlDocuments;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The CLI's own settings file ({@code ~/.config/slipway/config.yaml}, or under {@code $XDG_CONFIG_HOME}), so the
 * server a team uses is written once instead of on every command. Flags and environment variables override it.
 *
 * @param server the server URL, if set
 * @param tokenFile the token file, resolved against the config file's directory
 * @param ca the CA certificate, resolved against the config file's directory
 */
record CliConfig(Optional<Setting<String>> server, Optional<Setting<Path>> tokenFile, Optional<Setting<Path>> ca) {

    static final List<String> KEYS = List.of("server", "token-file", "ca");

    static final CliConfig EMPTY = new CliConfig(Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * A value and where it came from, as an error should name it: {@code --server}, {@code $SLIPWAY_SERVER} or
     * {@code config.yaml:3}.
     */
    record Setting<T>(T value, String source) {
        /** How an error names it: {@code --token-file /x}, {@code /home/a/.config/slipway/config.yaml:2}. */
        String where() {
            return source.startsWith("-") || source.startsWith("$") ? source + " " + value : source;
        }
    }

    /**
     * Slipway's directory for the CLI's settings: {@code $SLIPWAY_HOME/config}, else {@code $XDG_CONFIG_HOME/slipway},
     * else {@code ~/.config/slipway}.
     */
    static Path directory(CliContext context) {
        return context.paths().config();
    }

    static Path file(CliContext context) {
        return context.paths().configFile();
    }

    /** Reads the config file; no file is no settings. Every mistake in it is reported at once, with its line. */
    static CliConfig load(CliContext context) {
        Path file = file(context);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return EMPTY;
        } catch (IOException e) {
            throw new InvalidInputException(new Problem(
                    file.toString(),
                    "cannot read the CLI config file: " + e.getMessage(),
                    "make it readable UTF-8 text, or delete it"));
        }
        return parse(text, file, context);
    }

    static CliConfig parse(String text, Path file, CliContext context) {
        List<YamlDocument> docs = YamlDocuments.parse(text, file);
        if (docs.isEmpty()) {
            return EMPTY;
        }
        List<Problem> problems = new ArrayList<>();
        if (docs.size() > 1) {
            problems.add(
                    Problem.at(docs.get(1).start(), "the config file holds more than one YAML document", "keep one"));
        }
        YamlCursor root = docs.get(0).strictCursor(problems);
        CliConfig config = EMPTY;
        if (root.expectObject(KEYS)) {
            Path base = file.getParent();
            config = new CliConfig(
                    setting(root.get("server")),
                    setting(root.get("token-file")).map(s -> path(s, base, context)),
                    setting(root.get("ca")).map(s -> path(s, base, context)));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return config;
    }

    private static Optional<Setting<String>> setting(YamlCursor at) {
        Optional<String> text = at.text().filter(t -> {
            if (t.isBlank()) {
                at.problem("is empty", "give it a value or delete the line");
                return false;
            }
            return true;
        });
        return text.map(t -> new Setting<>(t.strip(), at.location().toString()));
    }

    /** {@code ~/x} is under the home directory; other relative paths are relative to the config file. */
    private static Setting<Path> path(Setting<String> written, Path base, CliContext context) {
        String value = written.value();
        Path path = value.equals("~")
                ? context.home()
                : value.startsWith("~/") ? context.home().resolve(value.substring(2)) : base.resolve(value);
        return new Setting<>(path.normalize(), written.source());
    }
}
