package dev.slipway.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FreezeTest {
    static final Instant SET = Instant.parse("2026-12-04T12:00:00Z");

    @Test
    void itHoldsUntilItsEndEvenForAMachineWhoseClockIsBehindTheFreezers() {
        Freeze f = new Freeze("alice", "release week", SET, Optional.of(SET.plus(Duration.ofHours(2))));
        assertThat(f.holdsAt(SET.minusSeconds(30))).as("a clock 30 s behind").isTrue();
        assertThat(f.holdsAt(SET.plus(Duration.ofHours(2)).minusMillis(1))).isTrue();
        assertThat(f.holdsAt(SET.plus(Duration.ofHours(2)))).isFalse();
        assertThat(f.describe()).isEqualTo("frozen by alice until 2026-12-04T14:00:00Z: release week");
        Freeze open = new Freeze("bob", "incident", SET, Optional.empty());
        assertThat(open.holdsAt(SET.plus(Duration.ofDays(365)))).isTrue();
        assertThatThrownBy(() -> new Freeze("alice", "x", SET, Optional.of(SET)))
                .hasMessageContaining("must end after it starts");
    }

    @Test
    void itsEndIsReadTheSameWayForEveryCallerAndBadEndsAreRefusedNamingTheField() {
        assertThat(Freeze.end(Optional.of(Duration.ofHours(2)), Optional.empty(), SET, "--for", "--until"))
                .contains(SET.plus(Duration.ofHours(2)));
        assertThat(Freeze.end(Optional.empty(), Optional.of("2026-12-24T18:00:00Z"), SET, "for", "until"))
                .contains(Instant.parse("2026-12-24T18:00:00Z"));
        assertThat(Freeze.end(Optional.empty(), Optional.empty(), SET, "for", "until"))
                .as("until someone lifts it")
                .isEmpty();
        assertThatThrownBy(() -> Freeze.end(Optional.empty(), Optional.of("tomorrow"), SET, "--for", "--until"))
                .isInstanceOf(dev.slipway.core.InvalidInputException.class)
                .hasMessageContaining("--until tomorrow")
                .hasMessageContaining("is not a time");
        assertThatThrownBy(() -> Freeze.end(Optional.empty(), Optional.of("2020-01-01T00:00:00Z"), SET, "for", "until"))
                .hasMessageContaining("until 2020-01-01T00:00:00Z")
                .hasMessageContaining("is not in the future");
        assertThatThrownBy(() -> Freeze.end(Optional.of(Duration.ZERO), Optional.empty(), SET, "for", "until"))
                .hasMessageContaining("must be a positive duration");
        assertThatThrownBy(() -> Freeze.end(
                        Optional.of(Duration.ofHours(1)), Optional.of("2027-01-01T00:00:00Z"), SET, "for", "until"))
                .hasMessageContaining("not both");
    }
}
