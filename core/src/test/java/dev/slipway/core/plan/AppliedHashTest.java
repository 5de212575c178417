package dev.slipway.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class AppliedHashTest {

    @Property(tries = 200)
    void theHashDoesNotDependOnKeyOrder(
            @ForAll @Size(min = 1, max = 8) Map<@StringLength(min = 1, max = 6) String, String> data,
            @ForAll long seed) {
        List<String> keys = new ArrayList<>(data.keySet());
        ObjectNode a = object(keys, data);
        Collections.shuffle(keys, new java.util.Random(seed));
        ObjectNode b = object(keys, data);

        assertThat(AppliedHash.of(a)).isEqualTo(AppliedHash.of(b));
    }

    @Test
    void removingAFieldChangesTheHash() {
        ObjectNode full = object(List.of("a", "b"), Map.of("a", "1", "b", "2"));
        ObjectNode less = object(List.of("a"), Map.of("a", "1"));

        assertThat(AppliedHash.of(full)).isNotEqualTo(AppliedHash.of(less));
    }

    @Test
    void aStampedObjectHashesLikeTheUnstampedOne() {
        ObjectNode object = object(List.of("a"), Map.of("a", "1"));

        ObjectNode stamped = AppliedHash.stamp(object);

        assertThat(AppliedHash.recorded(stamped)).hasValue(AppliedHash.of(object));
        assertThat(AppliedHash.of(stamped)).isEqualTo(AppliedHash.of(object));
        assertThat(AppliedHash.stamp(stamped)).isEqualTo(stamped);
    }

    private static ObjectNode object(List<String> keys, Map<String, String> data) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("apiVersion", "v1").put("kind", "ConfigMap");
        o.putObject("metadata").put("name", "x");
        ObjectNode d = o.putObject("data");
        keys.forEach(k -> d.put(k, data.get(k)));
        return o;
    }
}
