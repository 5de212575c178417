package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.rollout.controller.RolloutController;
import dev.slipway.rollout.controller.RolloutKey;
import dev.slipway.rollout.controller.RolloutState;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster health for {@code slipway rollout run}, as the routers see it: a cluster is down when every router
 * that answers shows it unhealthy in the stable backend of one of the app's services ({@code GET /config}), and
 * up again when every router that answers shows it healthy in all of them. A router that does not answer, or a
 * cluster a router does not list in a stable backend (e.g. all its traffic on the canary), changes nothing: the
 * canary's own failures are the analysis' business, not a reason to pause.
 */
final class RouterClusterHealth {
    private static final Logger log = LoggerFactory.getLogger(RouterClusterHealth.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final List<RoutersFile.RouterAdmin> routers;
    private final List<String> stableBackends;
    private final Duration timeout;

    RouterClusterHealth(
            HttpClient http, List<RoutersFile.RouterAdmin> routers, List<String> stableBackends, Duration timeout) {
        this.http = http;
        this.routers = routers;
        this.stableBackends = stableBackends;
        this.timeout = timeout;
    }

    /** Per cluster: healthy or not, on the routers that answered; clusters they disagree on or do not list are left out. */
    Map<String, Boolean> read() {
        Map<String, Boolean> verdict = new LinkedHashMap<>();
        Map<String, Boolean> allDown = new LinkedHashMap<>();
        Map<String, Boolean> allUp = new LinkedHashMap<>();
        for (RoutersFile.RouterAdmin r : routers) {
            Optional<JsonNode> config = config(r);
            if (config.isEmpty()) {
                continue;
            }
            Map<String, Boolean> here = new LinkedHashMap<>();
            for (String backend : stableBackends) {
                for (JsonNode c : config.get().path("backends").path(backend).path("clusters")) {
                    // A cluster unhealthy in any stable backend is unhealthy here.
                    here.merge(c.path("name").asText(), c.path("healthy").asBoolean(), Boolean::logicalAnd);
                }
            }
            here.forEach((cluster, healthy) -> {
                allDown.merge(cluster, !healthy, Boolean::logicalAnd);
                allUp.merge(cluster, healthy, Boolean::logicalAnd);
            });
        }
        allDown.forEach((cluster, down) -> {
            if (down) {
                verdict.put(cluster, false);
            } else if (allUp.getOrDefault(cluster, false)) {
                verdict.put(cluster, true);
            }
        });
        return verdict;
    }

    /** Tells the controller of clusters that went down or came back; returns what it did. */
    List<String> apply(RolloutController controller, RolloutKey key) {
        Optional<RolloutState> state = controller.status(key);
        if (state.isEmpty() || state.get().settled()) {
            return List.of();
        }
        List<String> changed = new ArrayList<>();
        read().forEach((cluster, healthy) -> {
            if (state.get().cluster(cluster).isEmpty()) {
                return;
            }
            boolean down = state.get().down().contains(cluster);
            if (!healthy && !down) {
                controller.clusterDown(key, cluster, "the routers see no healthy endpoint of its stable track");
                changed.add(cluster + " down");
            } else if (healthy && down) {
                controller.clusterUp(key, cluster);
                changed.add(cluster + " up");
            }
        });
        return changed;
    }

    private Optional<JsonNode> config(RoutersFile.RouterAdmin r) {
        HttpRequest.Builder request = HttpRequest.newBuilder(r.admin().resolve("/config"))
                .timeout(timeout)
                .GET();
        r.token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                log.debug("{} /config answered {}", r, response.statusCode());
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(response.body()));
        } catch (IOException e) {
            log.debug("cannot read {} /config: {}", r, e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
