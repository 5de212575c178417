package dev.slipway.core.revision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class RevisionCodecTest {

    @Test
    void aRevisionSurvivesTheRoundTripThroughItsCompressedForm() {
        List<ObjectNode> objects = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("apiVersion", "v1").put("kind", "ConfigMap");
            o.putObject("metadata").put("name", "config-" + i);
            o.putObject("data").put("value", "the same long-ish value repeated ".repeat(5));
            objects.add(o);
        }
        Revision revision = Revision.of(
                "shop",
                "production",
                "east-1",
                4,
                "main",
                "alice",
                Instant.parse("2026-11-23T10:00:00Z"),
                RevisionOutcome.SUCCEEDED,
                OptionalInt.of(2),
                objects);

        byte[] payload = RevisionCodec.encode(revision);
        Revision back = RevisionCodec.decode(payload);

        assertThat(back).isEqualTo(revision);
        assertThat(payload.length)
                .as("compressed")
                .isLessThan(objects.toString().length() / 5);
    }

    @Test
    void aPayloadThatIsNotARevisionIsRefused() {
        assertThatThrownBy(() -> RevisionCodec.decode("not gzip".getBytes()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a Slipway revision");
    }
}
