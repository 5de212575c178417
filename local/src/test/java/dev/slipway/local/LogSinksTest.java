package dev.slipway.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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
    void syslogOverTcpFramesByOctetCountingAndReconnectsWhenTheCollectorComesBack() throws Exception {
        int port;
        try (ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                SyslogLog syslog = SyslogLog.tcp(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), first.getLocalPort()),
                        "box",
                        CLOCK,
                        Duration.ofMillis(20),
                        Duration.ofMillis(100))) {
            port = first.getLocalPort();
            syslog.line(WEB, "first");
            syslog.line(WEB, "ünïcode second");
            try (Socket connection = first.accept()) {
                connection.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(connection.getInputStream());
                assertThat(readFrame(in)).isEqualTo(syslog.message(WEB, "first"));
                assertThat(readFrame(in)).isEqualTo(syslog.message(WEB, "ünïcode second"));
            }
            first.close();
            // The collector restarts on the same port: lines sent from then on arrive over a new connection.
            try (ServerSocket second = new ServerSocket()) {
                second.setReuseAddress(true);
                second.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                second.setSoTimeout(100);
                AtomicReference<Socket> accepted = new AtomicReference<>();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    syslog.line(WEB, "after restart");
                    if (accepted.get() == null) {
                        try {
                            accepted.set(second.accept());
                        } catch (SocketTimeoutException notYet) {
                            // not reconnected yet
                        }
                    }
                    assertThat(accepted.get()).isNotNull();
                });
                try (Socket connection = accepted.get()) {
                    connection.setSoTimeout(10_000);
                    assertThat(readFrame(new DataInputStream(connection.getInputStream())))
                            .isEqualTo(syslog.message(WEB, "after restart"));
                }
            }
        }
    }

    @Test
    void aSyslogAddressNamesItsTransportOrIsRefusedWithTheReason() {
        assertThat(SyslogLog.Collector.parse("tcp://logs.internal:601"))
                .isEqualTo(new SyslogLog.Collector(InetSocketAddress.createUnresolved("logs.internal", 601), true));
        assertThat(SyslogLog.Collector.parse("[::1]:514").tcp()).isFalse();
        assertThat(SyslogLog.Collector.parse("[::1]:514").target().getHostString())
                .isEqualTo("::1");
        assertThatThrownBy(() -> SyslogLog.Collector.parse("ftp://host:514")).hasMessageContaining("unknown scheme");
        assertThatThrownBy(() -> SyslogLog.Collector.parse("tcp://host")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> SyslogLog.Collector.parse("host:99999")).hasMessageContaining("outside");
        assertThatThrownBy(() -> SyslogLog.Collector.parse("host:syslog")).hasMessageContaining("numeric");
    }

    /** Reads one RFC 6587 octet-counted frame: the length in ASCII digits, a space, then that many bytes. */
    private static String readFrame(DataInputStream in) throws IOException {
        int length = 0;
        for (int b = in.read(); b != ' '; b = in.read()) {
            assertThat(b).as("a digit of the frame length").isBetween((int) '0', (int) '9');
            length = length * 10 + (b - '0');
        }
        byte[] message = new byte[length];
        in.readFully(message);
        return new String(message, StandardCharsets.UTF_8);
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
