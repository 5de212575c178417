package dev.slipway.router;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The spans of sampled requests, built and exported by a thread of its own. The event loop decides sampling
 * itself ({@link TraceContext}: parent-based, else by trace id) and never touches the OpenTelemetry SDK: for a
 * sampled request it hands the {@link AccessLog.Entry} it made (raw values) to a bounded lock-free queue, and
 * when that is full (the collector is slow or down) the span is dropped and counted in {@code
 * slipway_router_spans_dropped_total}, never the request delayed. This thread turns entries into {@link
 * SpanData} and gives them to the OTLP exporter in batches, one export at a time, as the SDK's batch processor
 * would.
 */
final class SpanExport implements AutoCloseable {
    /** Spans waiting to be exported; beyond this they are dropped. */
    static final int QUEUE = 16_384;

    /** Spans per export call (the SDK batch processor's default). */
    static final int BATCH = 512;

    /** How often the thread looks for spans: no wake-up per request. */
    static final Duration WAKE = Duration.ofMillis(100);

    static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("dev.slipway.router");

    @SuppressWarnings("deprecation") // SpanData still asks for it
    private static final InstrumentationLibraryInfo LIBRARY = InstrumentationLibraryInfo.create(SCOPE.getName(), null);

    private final SpanExporter exporter;
    private final Resource resource;
    private final Duration timeout;
    private final RouterMetrics metrics;
    private final ConcurrentLinkedQueue<AccessLog.Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean stopping;
    private final Thread thread;

    /** Exports through {@code exporter}, waiting at most {@code timeout} for each batch. */
    SpanExport(SpanExporter exporter, Resource resource, Duration timeout, RouterMetrics metrics) {
        this.exporter = exporter;
        this.resource = resource;
        this.timeout = timeout;
        this.metrics = metrics;
        metrics.declare(RouterMeters.SPANS_DROPPED);
        this.thread = new Thread(this::run, "router-span-export");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues the span of the sampled request {@code e}; drops it (counted) when the export is behind. */
    void add(AccessLog.Entry e) {
        if (queued.incrementAndGet() > QUEUE) {
            queued.decrementAndGet();
            metrics.count(RouterMeters.SPANS_DROPPED);
            return;
        }
        queue.offer(e);
    }

    /** Exports what is queued, then shuts the exporter down. */
    @Override
    public void close() {
        try {
            stopping = true;
            LockSupport.unpark(thread);
            thread.join(TimeUnit.SECONDS.toMillis(10) + timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<SpanData> batch = new ArrayList<>(BATCH);
        try {
            while (true) {
                boolean stop = stopping;
                // One reading of the wall clock per batch: a span's start is that minus how long ago it began.
                Instant now = Instant.now();
                long epochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
                long nanoTime = System.nanoTime();
                AccessLog.Entry e;
                while (batch.size() < BATCH && (e = queue.poll()) != null) {
                    batch.add(span(e, epochNanos - (nanoTime - e.startNanos())));
                }
                if (!batch.isEmpty()) {
                    queued.addAndGet(-batch.size());
                    boolean full = batch.size() == BATCH;
                    export(batch);
                    batch = new ArrayList<>(BATCH);
                    if (full) {
                        continue; // more may be waiting
                    }
                }
                if (stop) {
                    break;
                }
                LockSupport.parkNanos(this, WAKE.toNanos());
            }
        } finally {
            exporter.shutdown().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void export(List<SpanData> batch) {
        try {
            // One export at a time: the exporter reuses its buffers between calls. A failure is logged by it.
            CompletableResultCode result = exporter.export(batch);
            result.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException ex) {
            // the exporter said what went wrong; the next batch is tried anyway
        }
    }

    /** The span of {@code e}, as the SDK recorded it when the router built spans through it. */
    SpanData span(AccessLog.Entry e, long startEpochNanos) {
        TraceContext t = e.trace();
        String traceId = t.traceId();
        String parentId = t.parentSpanId();
        SpanContext context = SpanContext.create(traceId, t.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
        SpanContext parent = parentId == null
                ? SpanContext.getInvalid()
                : SpanContext.createFromRemoteParent(
                        traceId, parentId, TraceFlags.fromByte(t.flags()), TraceState.getDefault());
        AttributesBuilder a = Attributes.builder()
                .put(RequestTelemetry.METHOD, e.method())
                .put(RequestTelemetry.PATH, e.path())
                .put(RequestTelemetry.HOST, e.host())
                .put(RequestTelemetry.STATUS, (long) e.status())
                .put(RequestTelemetry.BACKEND, e.backend())
                .put(RequestTelemetry.CLUSTER, e.cluster());
        String name = e.method();
        if (!e.route().isEmpty()) {
            name = e.method() + " " + e.route();
            a.put(RequestTelemetry.ROUTE, e.route());
        }
        if (e.endpoint() != null) {
            a.put(RequestTelemetry.PEER, e.endpointText());
        }
        if (e.retries() > 0) {
            a.put(RequestTelemetry.RETRIES, (long) e.retries());
        }
        StatusData status = StatusData.unset();
        if (!e.failure().isEmpty() || e.status() >= 500) {
            a.put(RequestTelemetry.ERROR, e.failure().isEmpty() ? Integer.toString(e.status()) : e.failure());
            status = StatusData.error();
        }
        return new RouterSpan(
                name,
                context,
                parent,
                status,
                startEpochNanos,
                startEpochNanos + e.durationNanos(),
                a.build(),
                resource);
    }

    /** An ended {@code SERVER} span with attributes only: no events, no links, nothing dropped. */
    private record RouterSpan(
            String name,
            SpanContext context,
            SpanContext parent,
            StatusData status,
            long startEpochNanos,
            long endEpochNanos,
            Attributes attributes,
            Resource resource)
            implements SpanData {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public SpanKind getKind() {
            return SpanKind.SERVER;
        }

        @Override
        public SpanContext getSpanContext() {
            return context;
        }

        @Override
        public SpanContext getParentSpanContext() {
            return parent;
        }

        @Override
        public StatusData getStatus() {
            return status;
        }

        @Override
        public long getStartEpochNanos() {
            return startEpochNanos;
        }

        @Override
        public Attributes getAttributes() {
            return attributes;
        }

        @Override
        public List<EventData> getEvents() {
            return List.of();
        }

        @Override
        public List<LinkData> getLinks() {
            return List.of();
        }

        @Override
        public long getEndEpochNanos() {
            return endEpochNanos;
        }

        @Override
        public boolean hasEnded() {
            return true;
        }

        @Override
        public int getTotalRecordedEvents() {
            return 0;
        }

        @Override
        public int getTotalRecordedLinks() {
            return 0;
        }

        @Override
        public int getTotalAttributeCount() {
            return attributes.size();
        }

        @Override
        @SuppressWarnings("deprecation")
        public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
            return LIBRARY;
        }

        @Override
        public InstrumentationScopeInfo getInstrumentationScopeInfo() {
            return SCOPE;
        }

        @Override
        public Resource getResource() {
            return resource;
        }
    }
}
