package dev.slipway.core.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.JsonTrees;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MergePatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KEYS = List.of("a", "b", "c", "spec", "replicas");

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** The examples of RFC 7386, Appendix A. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"a\":\"b\"}              | {\"a\":\"c\"}              | {\"a\":\"c\"}",
                "{\"a\":\"b\"}              | {\"b\":\"c\"}              | {\"a\":\"b\",\"b\":\"c\"}",
                "{\"a\":\"b\"}              | {\"a\":null}               | {}",
                "{\"a\":\"b\",\"b\":\"c\"}  | {\"a\":null}               | {\"b\":\"c\"}",
                "{\"a\":[\"b\"]}            | {\"a\":\"c\"}              | {\"a\":\"c\"}",
                "{\"a\":\"c\"}              | {\"a\":[\"b\"]}            | {\"a\":[\"b\"]}",
                "{\"a\":{\"b\":\"c\"}}      | {\"a\":{\"b\":\"d\",\"c\":null}} | {\"a\":{\"b\":\"d\"}}",
                "{\"a\":[{\"b\":\"c\"}]}    | {\"a\":[1]}                | {\"a\":[1]}",
                "[\"a\",\"b\"]              | [\"c\",\"d\"]              | [\"c\",\"d\"]",
                "{\"a\":\"b\"}              | [\"c\"]                    | [\"c\"]",
                "{\"a\":\"foo\"}            | null                       | null",
                "{\"a\":\"foo\"}            | \"bar\"                    | \"bar\"",
                "{\"e\":null}               | {\"a\":1}                  | {\"e\":null,\"a\":1}",
                "[1,2]                      | {\"a\":\"b\",\"c\":null}   | {\"a\":\"b\"}",
                "{}                         | {\"a\":{\"bb\":{\"ccc\":null}}} | {\"a\":{\"bb\":{}}}"
            })
    void rfc7386Examples(String target, String patch, String expected) {
        assertThat(MergePatch.apply(json(target.trim()), json(patch.trim()))).isEqualTo(json(expected.trim()));
    }

    @Provide
    Arbitrary<JsonNode> trees() {
        return JsonTrees.values(3, KEYS);
    }

    @Provide
    Arbitrary<ObjectNode> patches() {
        return JsonTrees.objects(JsonTrees.values(2, KEYS), KEYS);
    }

    @Property(tries = 300)
    void applyingAPatchTwiceChangesNothingMore(@ForAll("trees") JsonNode target, @ForAll("patches") ObjectNode patch) {
        JsonNode once = MergePatch.apply(target, patch);

        assertThat(MergePatch.apply(once, patch)).isEqualTo(once);
    }

    @Property(tries = 300)
    void emptyPatchKeepsAnObjectAsItIs(@ForAll("patches") ObjectNode target) {
        assertThat(MergePatch.apply(target, JSON.createObjectNode())).isEqualTo(target);
    }

    @Property(tries = 300)
    void eachPatchMemberReplacesMergesOrRemovesItsKeyAndOtherKeysStay(
            @ForAll("trees") JsonNode target, @ForAll("patches") ObjectNode patch) {
        JsonNode result = MergePatch.apply(target, patch);

        assertThat(result.isObject()).isTrue();
        patch.properties().forEach(e -> {
            if (e.getValue().isNull()) {
                assertThat(result.has(e.getKey()))
                        .as("null removes %s", e.getKey())
                        .isFalse();
            } else {
                assertThat(result.get(e.getKey())).isEqualTo(MergePatch.apply(target.get(e.getKey()), e.getValue()));
            }
        });
        if (target.isObject()) {
            target.properties().forEach(e -> {
                if (!patch.has(e.getKey())) {
                    assertThat(result.get(e.getKey())).isEqualTo(e.getValue());
                }
            });
        }
    }

    @Property(tries = 300)
    void neitherTargetNorPatchIsModified(@ForAll("trees") JsonNode target, @ForAll("patches") ObjectNode patch) {
        JsonNode targetBefore = target.deepCopy();
        JsonNode patchBefore = patch.deepCopy();

        MergePatch.apply(target, patch);

        assertThat(target).isEqualTo(targetBefore);
        assertThat(patch).isEqualTo(patchBefore);
    }

    @Property(tries = 300)
    void nonObjectPatchReplacesTheTargetWholesale(@ForAll("trees") JsonNode target, @ForAll("trees") JsonNode patch) {
        if (!patch.isObject()) {
            assertThat(MergePatch.apply(target, patch)).isEqualTo(patch);
        }
    }
}
