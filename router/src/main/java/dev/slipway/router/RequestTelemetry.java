package dev.slipway.router;

import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;

/**
 * Trace context, access log and span export for the requests of one config: built when a config with other
 * {@link RouterConfig.Telemetry} is applied, closed (flushing what is queued) when replaced. Trace context is
 * always forwarded; the rest costs nothing when not configured.
 */
final class RequestTelemetry implements AutoCloseable {
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> HOST = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> PEER = AttributeKey.stringKey("network.peer.address");
    static final AttributeKey<String> ERROR = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("slipway.route");
    static final AttributeKey<String> BACKEND = AttributeKey.stringKey("slipway.backend");
    static final AttributeKey<String> CLUSTER = AttributeKey.stringKey("slipway.cluster");
    static final AttributeKey<Long> RETRIES = AttributeKey.longKey("slipway.retries");

    final RouterConfig.Telemetry config;
    private final AccessLog accessLog;
    private final SdkTracerProvider provider;
    private final Tracer tracer;

    /** A request's trace and, when spans are exported, the span being recorded. */
    record Trace(TraceContext context, Span span) {}

    private RequestTelemetry(
            RouterConfig.Telemetry config, AccessLog accessLog, SdkTracerProvider provider, Tracer tracer) {
        this.config = config;
        this.accessLog = accessLog;
        this.provider = provider;
        this.tracer = tracer;
    }

    /** What {@code config} asks for; an access log file that cannot be opened is said in the log and retried. */
    static RequestTelemetry of(RouterConfig.Telemetry config, RouterMetrics metrics) {
        AccessLog accessLog =
                config.accessLog().map(p -> new AccessLog(p, metrics)).orElse(null);
        if (config.otlp().isEmpty()) {
            return new RequestTelemetry(config, accessLog, null, null);
        }
        RouterConfig.Otlp otlp = config.otlp().get();
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(otlp.endpoint().toString())
                .setTimeout(otlp.timeout().toMillis(), TimeUnit.MILLISECONDS);
        otlp.headers().forEach(exporter::addHeader);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault()
                        .merge(Resource.create(
                                Attributes.of(AttributeKey.stringKey("service.name"), otlp.serviceName()))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter.build()).build())
                .build();
        return new RequestTelemetry(config, accessLog, provider, provider.get("dev.slipway.router"));
    }

    /** Whether {@link #end} wants the request's details (an access log or spans are written). */
    boolean records() {
        return accessLog != null || tracer != null;
    }

    /**
     * The trace of a request with {@code headers}, written into them for the backend: the router's span is
     * the parent the backend sees.
     */
    Trace begin(HttpHeaders headers, String method, String target) {
        if (tracer == null) {
            TraceContext context = TraceContext.of(headers, config.sampleRatio());
            context.writeTo(headers);
            return new Trace(context, null);
        }
        TraceContext.Parent parent = TraceContext.parse(headers.get(TraceContext.TRACEPARENT));
        Context parentContext = parent == null
                ? Context.root()
                : Context.root()
                        .with(Span.wrap(SpanContext.createFromRemoteParent(
                                parent.traceId(),
                                parent.spanId(),
                                TraceFlags.fromByte(parent.flags()),
                                TraceState.getDefault())));
        Span span = tracer.spanBuilder(method)
                .setParent(parentContext)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(METHOD, method)
                .setAttribute(PATH, Exchange.withoutQuery(target))
                .startSpan();
        SpanContext sc = span.getSpanContext();
        TraceContext context = new TraceContext(
                sc.getTraceId(),
                parent == null ? null : parent.spanId(),
                sc.getSpanId(),
                sc.getTraceFlags().asByte());
        context.writeTo(headers);
        return new Trace(context, span);
    }

    /** The request ended as {@code e} says: its access log line and the end of its span. */
    void end(Trace trace, AccessLog.Entry e) {
        if (accessLog != null) {
            accessLog.log(e);
        }
        Span span = trace.span();
        if (span == null) {
            return;
        }
        if (span.isRecording()) {
            if (!e.route().isEmpty()) {
                span.updateName(e.method() + " " + e.route());
                span.setAttribute(ROUTE, e.route());
            }
            span.setAttribute(HOST, e.host());
            span.setAttribute(STATUS, (long) e.status());
            span.setAttribute(BACKEND, e.backend());
            span.setAttribute(CLUSTER, e.cluster());
            if (e.endpoint() != null) {
                span.setAttribute(PEER, e.endpointText());
            }
            if (e.retries() > 0) {
                span.setAttribute(RETRIES, (long) e.retries());
            }
            if (!e.failure().isEmpty() || e.status() >= 500) {
                span.setAttribute(ERROR, e.failure().isEmpty() ? Integer.toString(e.status()) : e.failure());
                span.setStatus(StatusCode.ERROR);
            }
        }
        span.end();
    }

    /** Writes what is queued (lines and spans), then stops. */
    @Override
    public void close() {
        if (accessLog != null) {
            accessLog.close();
        }
        if (provider != null) {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }
}
