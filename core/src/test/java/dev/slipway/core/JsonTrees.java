package dev.slipway.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/** Random JSON trees for property tests, with keys drawn from a vocabulary so paths collide often. */
public final class JsonTrees {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {}

    public static Arbitrary<JsonNode> scalars() {
        return Arbitraries.oneOf(
                Arbitraries.strings()
                        .alpha()
                        .numeric()
                        .withChars(" -_./:")
                        .ofMaxLength(12)
                        .map(NODES::textNode),
                Arbitraries.integers().between(-5, 100_000).map(NODES::numberNode),
                Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.just(NODES.nullNode()));
    }

    /** Any JSON value, nested up to {@code depth}. */
    public static Arbitrary<JsonNode> values(int depth, List<String> keys) {
        if (depth <= 0) {
            return scalars();
        }
        Arbitrary<JsonNode> child = Arbitraries.lazy(() -> values(depth - 1, keys));
        return Arbitraries.frequencyOf(
                Tuple.of(3, scalars()),
                Tuple.of(3, objects(child, keys).map(o -> (JsonNode) o)),
                Tuple.of(1, child.list().ofMaxSize(3).map(JsonTrees::array)));
    }

    /** JSON objects whose values come from {@code values}. */
    public static Arbitrary<ObjectNode> objects(Arbitrary<JsonNode> values, List<String> keys) {
        Arbitrary<String> key = Arbitraries.oneOf(
                Arbitraries.of(keys),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(6));
        return Arbitraries.maps(key, values).ofMaxSize(4).map(JsonTrees::object);
    }

    private static ObjectNode object(Map<String, JsonNode> map) {
        ObjectNode o = NODES.objectNode();
        map.forEach(o::set);
        return o;
    }

    private static ArrayNode array(List<JsonNode> items) {
        ArrayNode a = NODES.arrayNode();
        items.forEach(a::add);
        return a;
    }
}
