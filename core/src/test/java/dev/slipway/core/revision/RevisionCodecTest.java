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

    @Test
    void theReleaseAndWhatItPutOnEachClusterSurviveTheRoundTrip() {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        config.put("apiVersion", "v1").put("kind", "ConfigMap");
        config.putObject("metadata").put("name", "settings");
        Revision revision = Revision.of(
                        "shop",
                        "production",
                        "west-1",
                        3,
                        "v1.0",
                        "alice",
                        Instant.parse("2026-11-23T10:00:00Z"),
                        RevisionOutcome.SUCCEEDED,
                        OptionalInt.of(1),
                        List.of(config))
                .withRelease("9e1b07d2c5aa", java.util.Map.of("east-1", "aa", "west-1", "bb"));

        Revision back = RevisionCodec.decode(RevisionCodec.encode(revision));

        assertThat(back).isEqualTo(revision);
        assertThat(back.release()).isEqualTo("9e1b07d2c5aa");
        assertThat(back.releaseContents()).containsEntry("east-1", "aa").containsEntry("west-1", "bb");
    }

    @Test
    void aRevisionRecordedBeforeReleasesReadsWithoutOne() {
        Revision old = Revision.of(
                "shop",
                "production",
                "east-1",
                1,
                "main",
                "alice",
                Instant.parse("2026-11-23T10:00:00Z"),
                RevisionOutcome.SUCCEEDED,
                OptionalInt.empty(),
                List.of());

        Revision back = RevisionCodec.decode(RevisionCodec.encode(old));

        assertThat(back.release()).isEmpty();
        assertThat(back.releaseContents()).isEmpty();
        assertThat(back.summary().identify()).isEqualTo("revision 1 (ref main)");
    }
}
