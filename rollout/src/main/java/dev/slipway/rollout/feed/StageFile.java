package dev.slipway.rollout.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.OwnerOnlyFiles;
import dev.slipway.router.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stages of one environment's canary in a file: how {@code slipway rollout run} (which decides them) and
 * the routers started with {@code slipway router --env} on the same machine (which follow them) meet without a
 * server. The file is {@code <state>/rollouts/<app>/<environment>.stages.json} by default, replaced whole (a
 * reader sees the old or the new stages, never half of them), 0600:
 *
 * <pre>{"format":1,"stages":{"*":{"east-1":"percent 10","west-1":"off"}}}</pre>
 *
 * <p>Keys are as in {@link Stages} (service or {@code *}, then cluster or {@code *}), values the router's stage
 * text. A missing file means every stage is off.
 */
public final class StageFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FORMAT = 1;

    private StageFile() {}

    /** Where the stages of {@code app}'s {@code environment} are kept under Slipway's state directory. */
    public static Path defaultPath(Path stateDirectory, String app, String environment) {
        return stateDirectory.resolve("rollouts").resolve(app).resolve(environment + ".stages.json");
    }

    /**
     * The stages in {@code file}; {@link Stages#none()} when it does not exist.
     *
     * @throws IllegalArgumentException when the file is not a stages file, saying what is wrong with it
     * @throws UncheckedIOException when it cannot be read
     */
    public static Stages read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Stages.none();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the stages file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file);
    }

    static Stages parse(String text, Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || root.path("format").asInt() != FORMAT) {
            throw new IllegalArgumentException(file + " is not a stages file of format " + FORMAT);
        }
        Map<String, Map<String, Stage>> stages = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> s = root.path("stages").fields(); s.hasNext(); ) {
            Map.Entry<String, JsonNode> service = s.next();
            Map<String, Stage> byCluster = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> c = service.getValue().fields(); c.hasNext(); ) {
                Map.Entry<String, JsonNode> cluster = c.next();
                String value = cluster.getValue().asText();
                byCluster.put(
                        cluster.getKey(),
                        Stage.parse(value)
                                .orElseThrow(() -> new IllegalArgumentException(file + ": stage '" + value + "' of "
                                        + service.getKey() + " in " + cluster.getKey() + " is not "
                                        + Stage.syntax())));
            }
            stages.put(service.getKey(), byCluster);
        }
        return new Stages(stages);
    }

    /** Replaces {@code file} with {@code stages} (0600, in owner-only directories it creates). */
    public static void write(Path file, Stages stages) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode all = root.putObject("stages");
        stages.stages().forEach((service, byCluster) -> {
            ObjectNode o = all.putObject(service);
            byCluster.forEach((cluster, stage) -> o.put(cluster, stage.describe()));
        });
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir.getParent() != null) {
                OwnerOnlyFiles.directory(dir.getParent());
            }
            OwnerOnlyFiles.directory(dir);
            OwnerOnlyFiles.write(file, (root.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the stages file " + file + ": " + e.getMessage(), e);
        }
    }
}
