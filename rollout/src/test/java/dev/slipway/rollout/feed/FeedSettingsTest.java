package dev.slipway.rollout.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.router.RouterConfig.Address;
import org.junit.jupiter.api.Test;

class FeedSettingsTest {
    @Test
    void readsHostAndPortIncludingBracketedIpv6() {
        assertThat(FeedSettings.address("0.0.0.0:8080", "--listen")).isEqualTo(new Address("0.0.0.0", 8080));
        assertThat(FeedSettings.address("[::1]:0", "--admin")).isEqualTo(new Address("::1", 0));
    }

    @Test
    void refusesWhatIsNotHostPort() {
        for (String bad : new String[] {"8080", ":8080", "localhost:", "localhost:http", "h:70000"}) {
            assertThatThrownBy(() -> FeedSettings.address(bad, "--listen"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("--listen")
                    .hasMessageContaining("is not host:port");
        }
    }
}
