package dev.slipway.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships each line to a syslog collector as an RFC 5424 message over UDP, with the replica's metadata both as
 * structured data (for collectors that index it) and in the message text (for those that do not).
 */
public final class SyslogLog implements LogSink {
    private static final Logger log = LoggerFactory.getLogger(SyslogLog.class);
    /** facility user (1) * 8 + severity informational (6). */
    private static final int PRIORITY = 14;
    /** The RFC 5612 enterprise number reserved for documentation; an SD-ID must carry one. */
    private static final String SD_ID = "slipway@32473";

    private final InetSocketAddress target;
    private final Clock clock;
    private final String hostname;
    private final DatagramSocket socket;

    private SyslogLog(InetSocketAddress target, Clock clock, String hostname, DatagramSocket socket) {
        this.target = target;
        this.clock = clock;
        this.hostname = hostname;
        this.socket = socket;
    }

    /** Sends to {@code target}; {@code hostname} fills the HOSTNAME field. */
    public static SyslogLog udp(InetSocketAddress target, String hostname, Clock clock) {
        try {
            return new SyslogLog(target, clock, hostname, new DatagramSocket());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a UDP socket for syslog", e);
        }
    }

    /** The RFC 5424 message for one line. */
    String message(ReplicaId replica, String text) {
        StringBuilder sd = new StringBuilder("[")
                .append(SD_ID)
                .append(" app=\"")
                .append(escape(replica.app()))
                .append("\" env=\"")
                .append(escape(replica.env()))
                .append("\" service=\"")
                .append(escape(replica.service()))
                .append("\" replica=\"")
                .append(replica.replica())
                .append("\" cluster=\"")
                .append(escape(replica.cluster()))
                .append('"');
        replica.lab().ifPresent(l -> sd.append(" lab=\"").append(escape(l)).append('"'));
        sd.append(" rev=\"").append(replica.rev()).append("\"]");
        return "<" + PRIORITY + ">1 " + Instant.now(clock) + " " + hostname + " slipway - " + replica.service() + " "
                + sd + " " + LogSink.format(replica, text);
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("]", "\\]");
    }

    @Override
    public void line(ReplicaId replica, String text) {
        byte[] bytes = message(replica, text).getBytes(StandardCharsets.UTF_8);
        try {
            socket.send(new DatagramPacket(bytes, Math.min(bytes.length, 8192), target));
        } catch (IOException e) {
            // A collector that is down must not stop the app; the line is still in the file and terminal.
            log.warn("syslog: cannot send to {}: {}", target, e.getMessage());
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
