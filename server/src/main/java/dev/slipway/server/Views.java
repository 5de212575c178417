package dev.slipway.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.Problem;
import dev.slipway.core.spec.Durations;
import dev.slipway.store.AppRecord;
import dev.slipway.store.AuditEntry;
import dev.slipway.store.CiStatus;
import dev.slipway.store.ClusterProgress;
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

/** The JSON shapes the API returns, written out field by field so they match the OpenAPI document exactly. */
final class Views {

    static final ObjectMapper JSON = new ObjectMapper();

    private Views() {}

    static ObjectNode app(AppRecord app) {
        ObjectNode node = JSON.createObjectNode()
                .put("name", app.name())
                .put("directory", app.directory())
                .put("labTtl", Durations.format(app.labTtl()))
                .put("registeredBy", app.registeredBy())
                .put("registeredAt", app.registeredAt().toString());
        node.put("labGroup", app.labGroup().orElse(null));
        ArrayNode environments = node.putArray("environments");
        app.environments().forEach(e -> environments.add(environment(e)));
        return node;
    }

    static ObjectNode environment(EnvironmentRecord environment) {
        return JSON.createObjectNode()
                .put("name", environment.name())
                .put("group", environment.clusterGroup())
                .put("namespace", environment.namespace());
    }

    static ObjectNode deploy(DeployRecord deploy) {
        ObjectNode node = JSON.createObjectNode()
                .put("id", deploy.id())
                .put("app", deploy.app())
                .put("environment", deploy.environment())
                .put("kind", lower(deploy.kind().name()))
                .put("state", lower(deploy.state().name()))
                .put("requestedBy", deploy.requestedBy())
                .put("source", deploy.source().wireName())
                .put("createdAt", deploy.createdAt().toString());
        node.put("ref", deploy.ref().orElse(null));
        node.put("rollbackTo", deploy.rollbackTo().orElse(null));
        node.put("labId", deploy.labId().orElse(null));
        node.put("message", deploy.message().orElse(null));
        node.put("resumes", deploy.resumes().orElse(null));
        node.put("startedAt", deploy.startedAt().map(Instant::toString).orElse(null));
        node.put("finishedAt", deploy.finishedAt().map(Instant::toString).orElse(null));
        ArrayNode clusters = node.putArray("clusters");
        for (ClusterProgress c : deploy.clusters()) {
            ObjectNode cluster = clusters.addObject()
                    .put("cluster", c.cluster())
                    .put("state", lower(c.state().name()))
                    .put("updatedAt", c.updatedAt().toString());
            cluster.put("revision", c.revision().orElse(null));
            cluster.put("message", c.message().orElse(null));
        }
        return node;
    }

    /** A lab; {@code url} is where it answers, when the server knows (local backend, or a lab URL template). */
    static ObjectNode lab(LabRecord lab, Optional<CombinedStatus> ci, Optional<String> url, Clock clock) {
        ObjectNode node = JSON.createObjectNode()
                .put("id", lab.id())
                .put("app", lab.app())
                .put("branch", lab.branch())
                .put("namespace", lab.namespace())
                .put("ref", lab.ref())
                .put("state", lower(lab.state().name()))
                .put("createdBy", lab.createdBy())
                .put("createdAt", lab.createdAt().toString())
                .put("lastDeployAt", lab.lastDeployAt().toString())
                .put("ttl", Durations.format(lab.ttl()))
                .put("expiresAt", lab.expiresAt().toString());
        Duration left = Duration.between(clock.instant(), lab.expiresAt());
        // Whole seconds, rounded: the store keeps coarser timestamps than the clock, so a fresh 2h lab is not
        // "1h59m59s".
        node.put(
                "expiresIn",
                left.isNegative() || left.isZero()
                        ? "expired"
                        : Durations.format(left.plusMillis(500).withNanos(0)));
        node.put("ciState", ci.map(c -> c.state().wireName()).orElse(null));
        node.put("lastError", lab.lastError().orElse(null));
        node.put("url", url.orElse(null));
        return node;
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
    static ObjectNode problem(int status, String title, List<Problem> problems) {
        ObjectNode node = JSON.createObjectNode()
                .put("type", "about:blank")
                .put("title", title)
                .put("status", status)
                .put("detail", problems.isEmpty() ? title : problems.get(0).what());
        ArrayNode list = node.putArray("problems");
        for (Problem p : problems) {
            list.addObject().put("where", p.where()).put("what", p.what()).put("fix", p.fix());
        }
        return node;
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
