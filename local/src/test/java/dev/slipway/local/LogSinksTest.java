package dev.slipway.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogSinksTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
    private static final ReplicaId WEB =
            new ReplicaId("shop", "local", "web", "local-2", 1, Optional.of("feature-x"), 4);

    @TempDir
    Path dir;

    @Test
    void theFileRotatesBySizeAndKeepsOnlyTheNewestFiles() throws IOException {
        try (RotatingFileLog log = RotatingFileLog.open(dir, "shop", 300, 2, CLOCK)) {
            for (int i = 0; i < 20; i++) {
                log.line(WEB, "line " + i);
            }
        }
        assertThat(Files.readString(dir.resolve("shop.log")))
                .contains("line 19 app=shop env=local service=web replica=1 cluster=local-2 lab=feature-x rev=4")
                .startsWith("2026-11-23T12:00:00Z ");
        assertThat(dir.resolve("shop.log.1")).exists();
        assertThat(dir.resolve("shop.log.2")).exists();
        assertThat(dir.resolve("shop.log.3")).doesNotExist();
        assertThat(Files.size(dir.resolve("shop.log"))).isLessThanOrEqualTo(300);
        assertThat(Files.readString(dir.resolve("shop.log.2"))).doesNotContain("line 19 ");
    }

    @Test
    void syslogMessagesAreRfc5424WithTheMetadataAsStructuredData() throws IOException {
        try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                SyslogLog syslog = SyslogLog.udp(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), collector.getLocalPort()),
                        "box",
                        CLOCK)) {
            collector.setSoTimeout(5000);
            syslog.line(WEB, "hello \"world\"");
            DatagramPacket packet = new DatagramPacket(new byte[8192], 8192);
            collector.receive(packet);
            String message = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
            assertThat(message)
                    .isEqualTo("<14>1 2026-11-23T12:00:00Z box slipway - web [slipway@32473 app=\"shop\" env=\"local\""
                            + " service=\"web\" replica=\"1\" cluster=\"local-2\" lab=\"feature-x\" rev=\"4\"]"
                            + " hello \"world\" app=shop env=local service=web replica=1 cluster=local-2"
                            + " lab=feature-x rev=4");
        }
    }

    @Test
    void backoffDoublesUpToItsCap() {
        Supervision s = Supervision.DEFAULT;
        assertThat(s.backoff(1)).hasSeconds(1);
        assertThat(s.backoff(2)).hasSeconds(2);
        assertThat(s.backoff(5)).hasSeconds(16);
        assertThat(s.backoff(6)).hasSeconds(30);
        assertThat(s.backoff(60)).hasSeconds(30);
    }
}
