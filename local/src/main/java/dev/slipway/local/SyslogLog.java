package dev.slipway.local;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships each line to a syslog collector as an RFC 5424 message, with the replica's metadata both as structured data
 * (for collectors that index it) and in the message text (for those that do not). Over UDP each line is a
 * datagram; over TCP lines are framed by octet counting (RFC 6587), queued so a slow or absent collector never
 * blocks the app, and sent again after a reconnect with backoff.
 */
public final class SyslogLog implements LogSink {
    private static final Logger log = LoggerFactory.getLogger(SyslogLog.class);
    /** facility user (1) * 8 + severity informational (6). */
    private static final int PRIORITY = 14;
    /** The RFC 5612 enterprise number reserved for documentation; an SD-ID must carry one. */
    private static final String SD_ID = "slipway@32473";

    private final Clock clock;
    private final String hostname;
    private final Transport transport;

    private SyslogLog(Clock clock, String hostname, Transport transport) {
        this.clock = clock;
        this.hostname = hostname;
        this.transport = transport;
    }

    /** Sends to {@code target} over UDP; {@code hostname} fills the HOSTNAME field. */
    public static SyslogLog udp(InetSocketAddress target, String hostname, Clock clock) {
        try {
            return new SyslogLog(clock, hostname, new Udp(target, new DatagramSocket()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a UDP socket for syslog", e);
        }
    }

    /** Sends to {@code target} over TCP, reconnecting with backoff when the collector goes away. */
    public static SyslogLog tcp(InetSocketAddress target, String hostname, Clock clock) {
        return tcp(target, hostname, clock, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    static SyslogLog tcp(
            InetSocketAddress target, String hostname, Clock clock, Duration backoffInitial, Duration backoffMax) {
        return new SyslogLog(clock, hostname, new Tcp(target, backoffInitial, backoffMax));
    }

    /** Where to send: a collector's address and whether over TCP. */
    public record Collector(InetSocketAddress target, boolean tcp) {
        /**
         * Reads {@code udp://HOST:PORT}, {@code tcp://HOST:PORT}, or {@code HOST:PORT} for UDP.
         *
         * @throws IllegalArgumentException naming what is wrong with the address
         */
        public static Collector parse(String address) {
            boolean tcp = address.startsWith("tcp://");
            String rest = address.replaceFirst("^(udp|tcp)://", "");
            if (rest.contains("://")) {
                throw new IllegalArgumentException("'" + address + "' has an unknown scheme; use udp:// or tcp://");
            }
            int colon = rest.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("'" + address + "' is not [udp://|tcp://]HOST:PORT");
            }
            int port;
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + address + "' has no numeric port");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + address + "' has port " + port + ", outside 1-65535");
            }
            String host = rest.substring(0, colon).replaceAll("^\\[|\\]$", "");
            return new Collector(InetSocketAddress.createUnresolved(host, port), tcp);
        }
    }

    /** Opens {@code collector}, resolving its host now. */
    public static SyslogLog open(Collector collector, String hostname, Clock clock) {
        InetSocketAddress target = new InetSocketAddress(
                collector.target().getHostString(), collector.target().getPort());
        return collector.tcp() ? tcp(target, hostname, clock) : udp(target, hostname, clock);
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
        transport.send(message(replica, text).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        transport.close();
    }

    private interface Transport {
        void send(byte[] message);

        void close();
    }

    private record Udp(InetSocketAddress target, DatagramSocket socket) implements Transport {
        @Override
        public void send(byte[] bytes) {
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

    /** One sender thread per collector; lines wait in a bounded queue, the oldest are kept when it is full. */
    private static final class Tcp implements Transport {
        private static final int QUEUE = 10_000;
        private static final Duration CLOSE_DRAIN = Duration.ofSeconds(2);

        private final InetSocketAddress target;
        private final Duration backoffInitial;
        private final Duration backoffMax;
        private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE);
        private final CountDownLatch closing = new CountDownLatch(1);
        private final AtomicLong dropped = new AtomicLong();
        private final Thread sender;

        Tcp(InetSocketAddress target, Duration backoffInitial, Duration backoffMax) {
            this.target = target;
            this.backoffInitial = backoffInitial;
            this.backoffMax = backoffMax;
            this.sender = new Thread(this::run, "slipway-syslog-tcp");
            sender.setDaemon(true);
            sender.start();
        }

        @Override
        public void send(byte[] message) {
            if (!queue.offer(message) && dropped.getAndIncrement() == 0) {
                log.warn("syslog: {} is not keeping up; dropping lines until it does", target);
            }
        }

        private void run() {
            Socket socket = null;
            OutputStream out = null;
            byte[] pending = null;
            Duration backoff = backoffInitial;
            boolean reported = false;
            try {
                while (true) {
                    if (pending == null) {
                        pending = queue.poll(200, TimeUnit.MILLISECONDS);
                        if (pending == null) {
                            if (closing.getCount() == 0) {
                                return;
                            }
                            continue;
                        }
                    }
                    try {
                        if (socket == null) {
                            socket = new Socket();
                            socket.connect(target, 2000);
                            out = new BufferedOutputStream(socket.getOutputStream());
                            if (reported) {
                                log.info("syslog: connected to {} again", target);
                            }
                            reported = false;
                            backoff = backoffInitial;
                        }
                        out.write((pending.length + " ").getBytes(StandardCharsets.US_ASCII));
                        out.write(pending);
                        pending = null;
                        if (queue.isEmpty()) {
                            out.flush();
                        }
                        long lost = dropped.getAndSet(0);
                        if (lost > 0) {
                            log.warn("syslog: {} lines for {} were dropped while it was slow or away", lost, target);
                        }
                    } catch (IOException e) {
                        closeQuietly(socket);
                        socket = null;
                        if (!reported) {
                            // once per outage, not once per line
                            log.warn("syslog: cannot send to {} ({}); retrying", target, e.getMessage());
                            reported = true;
                        }
                        if (closing.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                            return;
                        }
                        backoff = backoff.multipliedBy(2).compareTo(backoffMax) > 0
                                ? backoffMax
                                : backoff.multipliedBy(2);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(socket);
            }
        }

        @Override
        public void close() {
            closing.countDown();
            try {
                sender.join(CLOSE_DRAIN.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sender.interrupt();
        }

        private static void closeQuietly(Socket socket) {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // already broken
                }
            }
        }
    }
}
