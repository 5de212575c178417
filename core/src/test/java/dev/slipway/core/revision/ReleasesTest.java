package dev.slipway.core.revision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.plan.AppliedHash;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleasesTest {

    private static ObjectNode config(String name, String value) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("apiVersion", "v1").put("kind", "ConfigMap");
        o.putObject("metadata").put("name", name).put("namespace", "shop");
        o.putObject("data").put("value", value);
        return AppliedHash.stamp(o);
    }

    @Test
    void theSameObjectsInAnyOrderHaveTheSameFingerprintAndAChangedOneDoesNot() {
        String content = Releases.contentOf(List.of(config("a", "1"), config("b", "1")));

        assertThat(Releases.contentOf(List.of(config("b", "1"), config("a", "1"))))
                .isEqualTo(content);
        assertThat(Releases.contentOf(List.of(config("a", "1"), config("b", "2"))))
                .isNotEqualTo(content);
        assertThat(Releases.contentOf(List.of(config("a", "1")))).isNotEqualTo(content);
    }

    @Test
    void aReleaseIdNamesTheRefAndWhatEveryClusterGot() {
        Map<String, String> contents = Map.of("east-1", "aa", "west-1", "bb");
        String id = Releases.id("v1.0", contents);

        assertThat(id).matches("[0-9a-f]{12}");
        assertThat(Releases.id("v1.0", Map.of("west-1", "bb", "east-1", "aa"))).isEqualTo(id);
        assertThat(Releases.id("v1.1", contents)).as("another ref").isNotEqualTo(id);
        assertThat(Releases.id("v1.0", Map.of("east-1", "aa", "west-1", "cc")))
                .as("another cluster's objects")
                .isNotEqualTo(id);
        assertThat(Releases.id("v1.0", Map.of("east-1", "aa")))
                .as("fewer clusters")
                .isNotEqualTo(id);
    }
}
