package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.cli.CliConfig.Setting;
import dev.slipway.core.InvalidInputException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Plain http is allowed only to this machine, decided by the addresses a name resolves to. The resolver here is a
 * table, so names can resolve to what a hostile DNS would answer; ServerModeTest checks real names over HTTP.
 */
class LoopbackHostTest {

    private static final Map<String, List<String>> DNS = Map.of(
            "127.evil.example", List.of("203.0.113.7"),
            "127.half.example", List.of("127.0.0.1", "203.0.113.7"),
            "devbox", List.of("127.0.1.1"),
            "devbox6", List.of("::1"));

    private static final LoopbackHost.Resolver TABLE = host -> {
        if (host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+]?")) {
            return InetAddress.getAllByName(host); // a literal: parsed, no lookup
        }
        List<String> addresses = DNS.get(host);
        if (addresses == null) {
            throw new UnknownHostException(host);
        }
        InetAddress[] result = new InetAddress[addresses.size()];
        for (int i = 0; i < result.length; i++) {
            // Literals only, so getByName parses them without a lookup.
            result[i] = InetAddress.getByAddress(
                    host, InetAddress.getByName(addresses.get(i)).getAddress());
        }
        return result;
    };

    @Test
    void aNameThatOnlyLooksLikeLoopbackIsRefusedWithAdviceToUseHttps() {
        assertThatThrownBy(() -> check("http://127.evil.example:7420"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--server http://127.evil.example:7420")
                .hasMessageContaining("would send the token unencrypted")
                .hasMessageContaining("127.evil.example resolves to 203.0.113.7")
                .hasMessageContaining("use https://, e.g. https://127.evil.example:7420");
    }

    @Test
    void aNameResolvingToLoopbackAndElsewhereIsRefused() {
        assertThatThrownBy(() -> check("http://127.half.example:7420"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("resolves to 203.0.113.7, not only to loopback");
    }

    @Test
    void aNameThatDoesNotResolveIsRefused() {
        assertThatThrownBy(() -> check("http://127.0.0.1.nip.example/"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("does not resolve here")
                .hasMessageContaining("use https://");
    }

    @Test
    void loopbackLiteralsAndLocalhostAreAllowedAsWritten() {
        for (String url : List.of(
                "http://127.0.0.1:7420", "http://127.3.4.5:7420", "http://localhost:7420", "http://[::1]:7420")) {
            assertThat(check(url)).as(url).isEqualTo(url);
        }
        assertThat(check("http://LOCALHOST:7420/")).isEqualTo("http://LOCALHOST:7420/");
    }

    @Test
    void aNameResolvingOnlyToLoopbackIsReachedAtTheAddressCheckedNotResolvedAgain() {
        assertThat(check("http://devbox:7420/")).isEqualTo("http://127.0.1.1:7420/");
        assertThat(check("http://devbox6:7420")).isEqualTo("http://[0:0:0:0:0:0:0:1]:7420");
    }

    @Test
    void httpsIsNeverResolvedHere() {
        assertThat(check("https://127.evil.example:7420")).isEqualTo("https://127.evil.example:7420");
    }

    private static String check(String url) {
        return ServerOptions.checkUrl(new Setting<>(url, "--server"), TABLE);
    }
}
