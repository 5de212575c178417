package dev.slipway.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.rollout.Track;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrackObjectsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static final ObjectNode DEPLOYMENT = object("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                     "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"w:1"}]}}}}
            """);
    static final ObjectNode SERVICE = object("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},
             "spec":{"clusterIP":"10.0.0.9","selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":"http","nodePort":31000}]}}
            """);
    static final ObjectNode CONFIG = object("""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"a":"b"}}
            """);

    static List<ObjectNode> all() {
        List<ObjectNode> all = new ArrayList<>();
        for (ObjectNode o : List.of(DEPLOYMENT, SERVICE, CONFIG)) {
            all.addAll(TrackObjects.expand(o, Set.of("web")));
        }
        return all;
    }

    static List<String> names(List<ObjectNode> objects) {
        return objects.stream()
                .map(o -> o.path("kind").asText() + "/"
                        + o.path("metadata").path("name").asText())
                .toList();
    }

    @Test
    void eachTrackRunsItsOwnWorkloadsAndServicesAndSharesTheRest() {
        List<ObjectNode> all = all();

        assertThat(names(TrackObjects.stable(all)))
                .containsExactly("Deployment/web", "Service/web", "Service/web-stable", "ConfigMap/settings");
        assertThat(names(TrackObjects.canary(all)))
                .containsExactly("Deployment/web-canary", "Service/web-canary", "ConfigMap/settings");
        assertThat(names(TrackObjects.canaryOwn(all))).containsExactly("Deployment/web-canary", "Service/web-canary");
        assertThat(names(TrackObjects.shared(all))).containsExactly("ConfigMap/settings");
        assertThat(TrackObjects.tracked(all)).isTrue();
        assertThat(TrackObjects.tracked(List.of(DEPLOYMENT, CONFIG))).isFalse();
    }

    @Test
    void theStableDeploymentKeepsItsSelectorAndTheCanaryIsNarrowedToItsPods() {
        List<ObjectNode> all = all();
        ObjectNode stable = all.get(0);
        ObjectNode canary = all.get(1);

        assertThat(stable.at("/spec/selector/matchLabels").toString()).isEqualTo("{\"app\":\"web\"}");
        assertThat(stable.at("/spec/template/metadata/labels/slipway.dev~1track")
                        .asText())
                .isEqualTo("stable");
        assertThat(canary.at("/spec/selector/matchLabels/slipway.dev~1track").asText())
                .isEqualTo("canary");
        assertThat(canary.at("/spec/template/metadata/labels/slipway.dev~1track")
                        .asText())
                .isEqualTo("canary");
        assertThat(TrackObjects.trackOf(canary)).contains(Track.CANARY);
        assertThat(DEPLOYMENT.at("/metadata/labels").has(Track.LABEL))
                .as("the input is not changed")
                .isFalse();
    }

    @Test
    void nodePortServicesLeaveAddressesAndPortsToTheApiServer() {
        ObjectNode canary = all().get(4);

        assertThat(canary.at("/metadata/name").asText()).isEqualTo("web-canary");
        assertThat(canary.at("/metadata/labels/slipway.dev~1service").asText()).isEqualTo("web");
        assertThat(canary.at("/spec/type").asText()).isEqualTo("NodePort");
        assertThat(canary.at("/spec/selector/slipway.dev~1track").asText()).isEqualTo("canary");
        assertThat(canary.at("/spec").has("clusterIP")).isFalse();
        assertThat(canary.at("/spec/ports/0").has("nodePort")).isFalse();
        assertThat(canary.at("/spec/ports/0/port").asInt()).isEqualTo(80);
    }

    @Test
    void servicesThatAreNotTheAppsRoutableOnesAreShared() {
        assertThat(TrackObjects.expand(SERVICE, Set.of("api"))).containsExactly(SERVICE);
        ObjectNode headless = SERVICE.deepCopy();
        headless.with("spec").put("clusterIP", "None");
        assertThat(TrackObjects.expand(headless, Set.of("web"))).containsExactly(headless);
    }

    @Test
    void aNameTooLongForItsCanaryIsRefusedWithTheLimit() {
        ObjectNode longName = DEPLOYMENT.deepCopy();
        longName.with("metadata").put("name", "w".repeat(60));

        assertThatThrownBy(() -> TrackObjects.expand(longName, Set.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("longer than the 63 characters")
                .hasMessageContaining("at most 56 characters");
    }
}
