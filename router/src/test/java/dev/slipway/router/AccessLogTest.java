package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The access log's JSON lines, written without a JSON library, read back by one. */
class AccessLogTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN = "00f067aa0ba902b7";

    @Property(tries = 1000)
    void whateverAClientSendsTheLineIsJsonThatReadsBackAsSent(
            // Netty reads header bytes as ISO-8859-1 characters: 0 to 255.
            @ForAll @CharRange(from = 0, to = 255) String host,
            @ForAll @CharRange(from = 0, to = 255) String path,
            @ForAll @CharRange(from = 0, to = 255) String agent,
            @ForAll @CharRange(from = '!', to = '~') String requestId,
            @ForAll @LongRange(min = 0, max = 4_102_444_800_000L) long millis,
            @ForAll @LongRange(min = 0, max = 100_000_000_000L) long nanos)
            throws Exception {
        AccessLog.Entry e = entry(host, "/" + path, agent, requestId, millis, nanos);
        JsonNode line = line(e);
        assertThat(line.get("host").asText()).isEqualTo(host);
        assertThat(line.get("path").asText()).isEqualTo(e.path());
        if (agent.isEmpty()) {
            assertThat(line.has("user_agent")).isFalse();
        } else {
            assertThat(line.get("user_agent").asText()).isEqualTo(agent);
        }
        assertThat(line.get("request_id").asText()).isEqualTo(requestId);
        assertThat(line.get("time").asText())
                .isEqualTo(Instant.ofEpochMilli(millis).toString());
        assertThat(line.get("duration_ms").decimalValue().movePointRight(6).longValueExact())
                .isEqualTo(nanos);
    }

    @Test
    void aLineHasEveryFieldAsTheDocsSay() throws Exception {
        AccessLog.Entry e = new AccessLog.Entry(
                Instant.parse("2026-12-04T19:52:13.120Z").toEpochMilli(),
                0,
                "10.0.0.7",
                "GET",
                "shop.example.com",
                "/api/items?token=secret",
                "api",
                "web",
                "east",
                InetSocketAddress.createUnresolved("10.1.2.3", 8080),
                504,
                "timeout",
                300_250_000,
                12,
                34,
                1,
                "req-1",
                TraceContext.of(TRACE, null, SPAN, TraceContext.SAMPLED),
                "curl/8 \"quoted\" \\ ✓ 🚀");
        JsonLines lines = new JsonLines(16);
        AccessLog.write(e, lines);
        assertThat(lines.text())
                .isEqualTo("{\"time\":\"2026-12-04T19:52:13.120Z\",\"client\":\"10.0.0.7\",\"method\":\"GET\","
                        + "\"host\":\"shop.example.com\",\"path\":\"/api/items\",\"route\":\"api\",\"backend\":\"web\","
                        + "\"cluster\":\"east\",\"endpoint\":\"10.1.2.3:8080\",\"status\":504,\"failure\":\"timeout\","
                        + "\"duration_ms\":300.25,\"bytes_in\":12,\"bytes_out\":34,\"retries\":1,"
                        + "\"request_id\":\"req-1\",\"trace_id\":\"" + TRACE + "\",\"span_id\":\"" + SPAN + "\","
                        + "\"user_agent\":\"curl/8 \\\"quoted\\\" \\\\ ✓ 🚀\"}\n");
        assertThat(JSON.readTree(lines.text()).get("user_agent").asText()).isEqualTo("curl/8 \"quoted\" \\ ✓ 🚀");
    }

    @Test
    void aWholeSecondAndAnEmptyEndpointAreWrittenAsBefore() throws Exception {
        AccessLog.Entry e = entry("h", "/", "", "r", 1_700_000_000_000L, 1_000_000);
        JsonNode line = line(e);
        assertThat(line.get("time").asText()).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(line.get("endpoint").asText()).isEmpty();
        assertThat(line.get("duration_ms").toString()).isEqualTo("1.0");
    }

    private static JsonNode line(AccessLog.Entry e) throws Exception {
        JsonLines lines = new JsonLines(64);
        AccessLog.write(e, lines);
        String text = lines.text();
        assertThat(text).endsWith("}\n");
        assertThat(text.indexOf('\n')).as("one line").isEqualTo(text.length() - 1);
        return JSON.readTree(text);
    }

    private static AccessLog.Entry entry(
            String host, String uri, String agent, String requestId, long millis, long nanos) {
        return new AccessLog.Entry(
                millis,
                0,
                "127.0.0.1",
                "GET",
                host,
                uri,
                "",
                "",
                "",
                null,
                200,
                "",
                nanos,
                0,
                0,
                0,
                requestId,
                TraceContext.of(TRACE, null, SPAN, TraceContext.SAMPLED),
                agent);
    }
}
