package dev.slipway.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.api.ApiJson;
import dev.slipway.api.Deploy;
import dev.slipway.api.DeployCluster;
import dev.slipway.api.Lab;
import dev.slipway.api.LabUp;
import dev.slipway.api.ProblemDetails;
import dev.slipway.api.RegisteredApp;
import dev.slipway.api.RegisteredApp.AppEnvironment;
import dev.slipway.core.Problem;
import dev.slipway.core.spec.Durations;
import dev.slipway.store.AppRecord;
import dev.slipway.store.AuditEntry;
import dev.slipway.store.CiStatus;
import dev.slipway.store.CombinedStatus;
import dev.slipway.store.DeployRecord;
import dev.slipway.store.EnvironmentRecord;
import dev.slipway.store.LabRecord;
import dev.slipway.store.TokenRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The JSON the API returns. The documents a client reads (apps, deploys, labs, problems) are the {@code api}
 * module's records, so the server and {@link dev.slipway.api.SlipwayClient} cannot disagree on a field; the rest are
 * written out field by field to match the OpenAPI document.
 */
final class Views {

    static final ObjectMapper JSON = new ObjectMapper();

    private Views() {}

    static ObjectNode app(AppRecord app) {
        return ApiJson.tree(new RegisteredApp(
                app.name(),
                app.directory(),
                Durations.format(app.labTtl()),
                app.registeredBy(),
                app.registeredAt(),
                app.labGroup(),
                app.environments().stream().map(Views::environmentDocument).toList()));
    }

    static ObjectNode environment(EnvironmentRecord environment) {
        return ApiJson.tree(environmentDocument(environment));
    }

    private static AppEnvironment environmentDocument(EnvironmentRecord e) {
        return new AppEnvironment(e.name(), e.clusterGroup(), e.namespace());
    }

    static ObjectNode deploy(DeployRecord deploy) {
        return ApiJson.tree(deployDocument(deploy));
    }

    static Deploy deployDocument(DeployRecord deploy) {
        return new Deploy(
                deploy.id(),
                deploy.app(),
                deploy.environment(),
                lower(deploy.kind().name()),
                lower(deploy.state().name()),
                deploy.requestedBy(),
                deploy.source().wireName(),
                deploy.createdAt(),
                deploy.ref(),
                deploy.rollbackTo(),
                deploy.labId(),
                deploy.message(),
                deploy.resumes(),
                deploy.startedAt(),
                deploy.finishedAt(),
                deploy.clusters().stream()
                        .map(c -> new DeployCluster(
                                c.cluster(), lower(c.state().name()), c.updatedAt(), c.revision(), c.message()))
                        .toList(),
                deploy.freezeOverride());
    }

    /** A lab; {@code url} is where it answers, when the server knows (local backend, or a lab URL template). */
    static ObjectNode lab(LabRecord lab, Optional<CombinedStatus> ci, Optional<String> url, Clock clock) {
        return ApiJson.tree(labDocument(lab, ci, url, clock));
    }

    static Lab labDocument(LabRecord lab, Optional<CombinedStatus> ci, Optional<String> url, Clock clock) {
        Duration left = Duration.between(clock.instant(), lab.expiresAt());
        // Whole seconds, rounded: the store keeps coarser timestamps than the clock, so a fresh 2h lab is not
        // "1h59m59s".
        String expiresIn = left.isNegative() || left.isZero()
                ? "expired"
                : Durations.format(left.plusMillis(500).withNanos(0));
        return new Lab(
                lab.id(),
                lab.app(),
                lab.branch(),
                lab.namespace(),
                lab.ref(),
                lower(lab.state().name()),
                lab.createdBy(),
                lab.createdAt(),
                lab.lastDeployAt(),
                Durations.format(lab.ttl()),
                lab.expiresAt(),
                expiresIn,
                ci.map(c -> c.state().wireName()),
                lab.lastError(),
                url);
    }

    /** The answer to a lab up: the lab and the deploy queued for it. */
    static ObjectNode labUp(Lab lab, Deploy deploy) {
        return ApiJson.tree(new LabUp(lab, deploy));
    }

    static ObjectNode ciStatus(CiStatus status) {
        ObjectNode node = JSON.createObjectNode()
                .put("repo", status.repo())
                .put("sha", status.sha())
                .put("context", status.context())
                .put("state", status.state().wireName())
                .put("reportedBy", status.reportedBy())
                .put("updatedAt", status.updatedAt().toString());
        node.put("targetUrl", status.targetUrl().orElse(null));
        node.put("description", status.description().orElse(null));
        return node;
    }

    static ObjectNode combined(CombinedStatus combined) {
        ObjectNode node = JSON.createObjectNode()
                .put("sha", combined.sha())
                .put("state", combined.state().wireName());
        ArrayNode statuses = node.putArray("statuses");
        combined.statuses().forEach(s -> statuses.add(ciStatus(s)));
        return node;
    }

    static ObjectNode audit(AuditEntry entry) {
        return JSON.createObjectNode()
                .put("id", entry.id())
                .put("at", entry.at().toString())
                .put("actor", entry.actor())
                .put("action", entry.action())
                .put("target", entry.target())
                .put("source", entry.source().wireName())
                .put("details", entry.details());
    }

    static ObjectNode token(TokenRecord token) {
        ObjectNode node = JSON.createObjectNode()
                .put("id", token.id())
                .put("name", token.name())
                .put("scope", token.scope().wireName())
                .put("createdBy", token.createdBy())
                .put("createdAt", token.createdAt().toString());
        node.put("lastUsedAt", token.lastUsedAt().map(Instant::toString).orElse(null));
        node.put("revokedAt", token.revokedAt().map(Instant::toString).orElse(null));
        return node;
    }

    /** An RFC 9457 problem body, with Slipway's what/where/fix list. */
    static ObjectNode rollout(dev.slipway.rollout.controller.RolloutState state) {
        return ApiJson.tree(rolloutDocument(state));
    }

    static dev.slipway.api.Rollout rolloutDocument(dev.slipway.rollout.controller.RolloutState state) {
        return new dev.slipway.api.Rollout(
                state.key().app(),
                state.key().environment(),
                state.revision(),
                state.startedAt(),
                state.startedBy(),
                state.spec().clusters().yaml(),
                state.spec().steps().stream()
                        .map(dev.slipway.core.rollout.RolloutStep::describe)
                        .toList(),
                state.spec().analysis().describe(),
                List.copyOf(state.down()),
                state.settled(),
                state.promoted(),
                state.clusters().stream()
                        .map(c -> new dev.slipway.api.RolloutCluster(
                                c.cluster(),
                                c.status().wireName(),
                                c.step() + 1,
                                state.step(c).describe(),
                                c.stepEnteredAt(),
                                c.stage().describe(),
                                c.pause().map(p -> lower(p.name())),
                                lower(c.work().name()),
                                c.reason(),
                                c.problem(),
                                c.lastCheck().map(Views::check)))
                        .toList());
    }

    private static dev.slipway.api.RolloutCheck check(dev.slipway.rollout.controller.Check c) {
        return new dev.slipway.api.RolloutCheck(
                c.at(),
                c.window().toMillis(),
                c.requests(),
                c.errors(),
                c.errorRate(),
                c.canaryP99().toMillis(),
                c.stableRequests(),
                c.stableP99().toMillis(),
                c.stableErrors(),
                c.stableErrorRate(),
                c.verdict().wireName(),
                c.reason());
    }

    static ObjectNode stages(dev.slipway.rollout.controller.StageBoard.Snapshot snapshot) {
        java.util.Map<String, String> stages = new java.util.LinkedHashMap<>();
        snapshot.stages().forEach((cluster, stage) -> stages.put(cluster, stage.describe()));
        return ApiJson.tree(new dev.slipway.api.RolloutStages(snapshot.version(), stages));
    }

    static ObjectNode problem(int status, String title, List<Problem> problems) {
        return ApiJson.tree(ProblemDetails.of(status, title, problems));
    }

    /** An audit entry of a rollout of {@code target} ({@code app/env}) as an api RolloutTransition. */
    static ObjectNode rolloutTransition(AuditEntry e, String target) {
        ObjectNode n = JSON.createObjectNode().put("at", e.at().toString());
        if (e.target().length() > target.length()) {
            n.put("cluster", e.target().substring(target.length() + 1));
        }
        return n.put("action", e.action()).put("actor", e.actor()).put("details", e.details());
    }

    static <T> ArrayNode array(List<T> items, java.util.function.Function<T, ObjectNode> view) {
        ArrayNode array = JSON.createArrayNode();
        items.forEach(i -> array.add(view.apply(i)));
        return array;
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
