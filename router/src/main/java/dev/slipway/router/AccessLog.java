package dev.slipway.router;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per request, written by a thread of its own so the event loops never wait on a disk: they
 * hand an {@link Entry} to a bounded queue, and when it is full (the disk cannot keep up) the line is dropped
 * and counted in {@code slipway_router_access_log_dropped_total}, never the request delayed. A file moved away
 * (log rotation) is noticed within a second and a new one opened at the same path.
 */
final class AccessLog implements AutoCloseable {
    /** Lines waiting to be written; beyond this they are dropped. */
    static final int QUEUE = 16_384;

    /** How often the writer looks for lines: at most this late on disk, and no wake-up per request. */
    static final Duration WAKE = Duration.ofMillis(20);

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

    /**
     * What one line (and a sampled request's span, {@link SpanExport}) says, as the event loop hands it over:
     * raw values, formatted on the writer thread.
     *
     * @param startMillis when the request head arrived (epoch milliseconds)
     * @param startNanos the same moment by {@link System#nanoTime()}, which a span's start is reckoned from
     * @param uri the request target as received; the line shows its path without the query
     * @param endpoint where it went, null when the router answered itself
     * @param failure how the router itself ended the request ({@code timeout}, {@code connect_failure}) or empty
     * @param trace the W3C trace context the backend saw (its trace and span ids are read out here, not on the
     *     event loop)
     */
    record Entry(
            long startMillis,
            long startNanos,
            String client,
            String method,
            String host,
            String uri,
            String route,
            String backend,
            String cluster,
            InetSocketAddress endpoint,
            int status,
            String failure,
            long durationNanos,
            long bytesIn,
            long bytesOut,
            int retries,
            CharSequence requestId,
            TraceContext trace,
            String userAgent) {

        /** The path the line shows: the target without its query string, which may carry tokens. */
        String path() {
            return Exchange.withoutQuery(Exchange.pathOf(uri));
        }

        /** {@code host:port} of the endpoint, empty when there was none. */
        String endpointText() {
            return endpoint == null ? "" : endpoint.getHostString() + ":" + endpoint.getPort();
        }
    }

    private final String path;
    private final RouterMetrics metrics;
    // Lock-free on the event loops' side, and nobody is woken per line: the writer looks every WAKE.
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean stopping;
    private final Thread writer;
    private OutputStream out;
    private Object fileKey;

    /** Writes to {@code path} ({@code -}: standard output), appending. */
    AccessLog(String path, RouterMetrics metrics) {
        this.path = path;
        this.metrics = metrics;
        metrics.declare(RouterMeters.ACCESS_LOG_DROPPED);
        open();
        this.writer = new Thread(this::run, "router-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Queues {@code e}; drops it (counted) when the writer is behind. Called on event loops. */
    void log(Entry e) {
        if (queued.incrementAndGet() > QUEUE) {
            queued.decrementAndGet();
            metrics.count(RouterMeters.ACCESS_LOG_DROPPED);
            return;
        }
        queue.offer(e);
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        try {
            stopping = true;
            LockSupport.unpark(writer);
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        JsonLines lines = new JsonLines(64 * 1024);
        long lastCheck = System.nanoTime();
        try {
            while (true) {
                boolean stop = stopping;
                if (System.nanoTime() - lastCheck > TimeUnit.SECONDS.toNanos(1)) {
                    lastCheck = System.nanoTime();
                    reopenIfMoved();
                }
                // What has queued since the last look goes out together, in one write.
                Entry e = queue.poll();
                if (e != null) {
                    int n = 0;
                    while (e != null) {
                        write(e, lines);
                        n++;
                        e = queue.poll();
                    }
                    queued.addAndGet(-n);
                    flush(lines);
                }
                if (stop) {
                    break;
                }
                LockSupport.parkNanos(this, WAKE.toNanos());
            }
        } finally {
            if (!"-".equals(path) && out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** Appends {@code e} as one JSON line to {@code line}. */
    static void write(Entry e, JsonLines line) {
        line.startObject();
        line.timeField("time", e.startMillis());
        line.field("client", e.client());
        line.field("method", e.method());
        line.field("host", e.host());
        line.field("path", e.path());
        line.field("route", e.route());
        line.field("backend", e.backend());
        line.field("cluster", e.cluster());
        InetSocketAddress endpoint = e.endpoint();
        line.endpointField(
                "endpoint",
                endpoint == null ? null : endpoint.getHostString(),
                endpoint == null ? 0 : endpoint.getPort());
        line.field("status", e.status());
        if (!e.failure().isEmpty()) {
            line.field("failure", e.failure());
        }
        line.millisField("duration_ms", e.durationNanos());
        line.field("bytes_in", e.bytesIn());
        line.field("bytes_out", e.bytesOut());
        line.field("retries", e.retries());
        line.field("request_id", e.requestId());
        byte[] ids = e.trace().bytes();
        line.asciiField("trace_id", ids, TraceContext.TRACE_ID_AT, 32);
        line.asciiField("span_id", ids, TraceContext.SPAN_ID_AT, 16);
        if (!e.userAgent().isEmpty()) {
            line.field("user_agent", e.userAgent());
        }
        line.endLine();
    }

    private void flush(JsonLines buffer) {
        if (buffer.size() == 0) {
            return;
        }
        try {
            if (out == null) {
                open();
            }
            if (out != null) {
                buffer.writeTo(out);
                out.flush();
            } else {
                metrics.count(RouterMeters.ACCESS_LOG_DROPPED);
            }
        } catch (IOException e) {
            log.warn("access log {}: could not write ({}); opening it again", path, e.getMessage());
            out = null;
        } finally {
            buffer.reset();
        }
    }

    private void open() {
        if ("-".equals(path)) {
            out = System.out;
            return;
        }
        try {
            Path p = Path.of(path);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            out = new FileOutputStream(p.toFile(), true);
            fileKey = key(p);
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "access log {}: cannot open it ({}); lines are dropped until it can be opened",
                    path,
                    e.getMessage());
            out = null;
        }
    }

    /** Log rotation moved or removed the file: write to a new one at the path. */
    private void reopenIfMoved() {
        if ("-".equals(path)) {
            return;
        }
        Object now;
        try {
            now = key(Path.of(path));
        } catch (IOException e) {
            now = null;
        }
        if (out == null || !Objects.equals(now, fileKey)) {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // reopening anyway
                }
            }
            open();
        }
    }

    private static Object key(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
    }
}
