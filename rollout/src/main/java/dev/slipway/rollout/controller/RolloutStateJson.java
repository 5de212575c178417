package dev.slipway.rollout.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.SourceLocation;
import dev.slipway.core.rollout.Analysis;
import dev.slipway.core.rollout.ClusterOrder;
import dev.slipway.core.rollout.RolloutSpec;
import dev.slipway.core.rollout.RolloutStep;
import dev.slipway.router.Stage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@link RolloutState} as the JSON both stores keep (a database column or a file), versioned by
 * {@code "format": 1}. Durations and instants are ISO-8601, decimals are strings (no binary rounding of
 * {@code 1%}), stages the router's text form.
 */
public final class RolloutStateJson {
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RolloutStateJson() {}

    public static String write(RolloutState s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("app", s.key().app());
        root.put("environment", s.key().environment());
        root.put("revision", s.revision());
        root.put("startedAt", s.startedAt().toString());
        root.put("startedBy", s.startedBy());
        spec(root.putObject("spec"), s.spec());
        ArrayNode clusters = root.putArray("clusters");
        for (ClusterRollout c : s.clusters()) {
            ObjectNode n = clusters.addObject();
            n.put("cluster", c.cluster());
            n.put("status", c.status().name());
            n.put("step", c.step());
            c.stepEnteredAt().ifPresent(t -> n.put("stepEnteredAt", t.toString()));
            n.put("stage", c.stage().describe());
            c.pause().ifPresent(p -> n.put("pause", p.name()));
            n.put("work", c.work().name());
            c.lastCheck().ifPresent(k -> check(n.putObject("lastCheck"), k));
            n.put("reason", c.reason());
            c.problem().ifPresent(p -> n.put("problem", p));
        }
        ArrayNode down = root.putArray("down");
        s.down().forEach(down::add);
        return root.toString();
    }

    private static void spec(ObjectNode n, RolloutSpec spec) {
        ArrayNode steps = n.putArray("steps");
        for (RolloutStep step : spec.steps()) {
            ObjectNode sn = steps.addObject().put("stage", step.stage());
            step.hold().ifPresent(h -> sn.put("for", h.toString()));
        }
        Analysis a = spec.analysis();
        ObjectNode an = n.putObject("analysis")
                .put("interval", a.interval().toString())
                .put("minRequests", a.minRequests())
                .put("maxErrorRate", a.maxErrorRate().toPlainString())
                .put("maxP99Ratio", a.maxP99Ratio().toPlainString());
        a.maxP99().ifPresent(p -> an.put("maxP99", p.toString()));
        n.put("clusters", spec.clusters().yaml());
        n.put("sourceFile", spec.source().file().toString())
                .put("sourceLine", spec.source().line());
    }

    private static void check(ObjectNode n, Check c) {
        n.put("at", c.at().toString())
                .put("window", c.window().toString())
                .put("requests", c.requests())
                .put("errors", c.errors())
                .put("canaryP99", c.canaryP99().toString())
                .put("stableRequests", c.stableRequests())
                .put("stableErrors", c.stableErrors())
                .put("stableP99", c.stableP99().toString())
                .put("verdict", c.verdict().name())
                .put("reason", c.reason());
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @throws IllegalArgumentException when the text is not such a document (a damaged file, or a newer format)
     */
    public static RolloutState read(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("rollout state is not JSON: " + e.getMessage(), e);
        }
        try {
            if (root == null || root.path("format").asInt() != FORMAT) {
                throw new IllegalArgumentException("rollout state of an unknown format " + root.path("format"));
            }
            RolloutSpec spec = spec(root.get("spec"));
            List<ClusterRollout> clusters = new ArrayList<>();
            for (JsonNode n : root.get("clusters")) {
                clusters.add(new ClusterRollout(
                        text(n, "cluster"),
                        ClusterStatus.valueOf(text(n, "status")),
                        n.get("step").asInt(),
                        optional(n, "stepEnteredAt").map(Instant::parse),
                        Stage.parse(text(n, "stage"))
                                .orElseThrow(() -> new IllegalArgumentException("unknown stage " + n.get("stage"))),
                        optional(n, "pause").map(PauseCause::valueOf),
                        Work.valueOf(text(n, "work")),
                        n.has("lastCheck") ? Optional.of(check(n.get("lastCheck"))) : Optional.empty(),
                        text(n, "reason"),
                        optional(n, "problem")));
            }
            Set<String> down = new TreeSet<>();
            root.path("down").forEach(d -> down.add(d.asText()));
            return new RolloutState(
                    new RolloutKey(text(root, "app"), text(root, "environment")),
                    text(root, "revision"),
                    spec,
                    Instant.parse(text(root, "startedAt")),
                    text(root, "startedBy"),
                    clusters,
                    down);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("rollout state is damaged: " + e, e);
        }
    }

    private static RolloutSpec spec(JsonNode n) {
        JsonNode an = n.get("analysis");
        Analysis analysis = new Analysis(
                Duration.parse(text(an, "interval")),
                an.get("minRequests").asInt(),
                new BigDecimal(text(an, "maxErrorRate")),
                optional(an, "maxP99").map(Duration::parse),
                new BigDecimal(text(an, "maxP99Ratio")));
        List<RolloutStep> steps = new ArrayList<>();
        for (JsonNode s : n.get("steps")) {
            String stage = text(s, "stage");
            Optional<Duration> hold = optional(s, "for").map(Duration::parse);
            if (stage.equals("optin")) {
                steps.add(new RolloutStep.OptIn());
            } else if (stage.equals("full")) {
                steps.add(new RolloutStep.Full());
            } else if (stage.startsWith("rps ")) {
                steps.add(new RolloutStep.Rps(Integer.parseInt(stage.substring(4)), hold.orElseThrow()));
            } else if (stage.startsWith("percent ")) {
                steps.add(new RolloutStep.Percent(Integer.parseInt(stage.substring(8)), hold.orElseThrow()));
            } else {
                throw new IllegalArgumentException("unknown step stage '" + stage + "'");
            }
        }
        ClusterOrder order = ClusterOrder.parse(text(n, "clusters"))
                .orElseThrow(() -> new IllegalArgumentException("unknown cluster order " + n.get("clusters")));
        SourceLocation source = new SourceLocation(
                Path.of(text(n, "sourceFile")), n.path("sourceLine").asInt());
        return new RolloutSpec(steps, analysis, order, source);
    }

    private static Check check(JsonNode n) {
        return new Check(
                Instant.parse(text(n, "at")),
                Duration.parse(text(n, "window")),
                n.get("requests").asLong(),
                n.get("errors").asLong(),
                Duration.parse(text(n, "canaryP99")),
                n.get("stableRequests").asLong(),
                n.path("stableErrors").asLong(0), // absent in state stored before it was recorded
                Duration.parse(text(n, "stableP99")),
                Verdict.valueOf(text(n, "verdict")),
                text(n, "reason"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("rollout state has no text field " + field);
        }
        return v.asText();
    }

    private static Optional<String> optional(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }
}
