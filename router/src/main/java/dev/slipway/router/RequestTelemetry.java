package dev.slipway.router;

import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import java.util.concurrent.TimeUnit;

/**
 * Trace context, access log and span export for the requests of one config: built when a config with other
 * {@link RouterConfig.Telemetry} is applied, closed (flushing what is queued) when replaced. Trace context is
 * always forwarded; the rest costs nothing when not configured, and a request whose trace is not sampled
 * costs nothing more with spans configured than without.
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
    private final SpanExport spans;

    private RequestTelemetry(RouterConfig.Telemetry config, AccessLog accessLog, SpanExport spans) {
        this.config = config;
        this.accessLog = accessLog;
        this.spans = spans;
    }

    /** What {@code config} asks for; an access log file that cannot be opened is said in the log and retried. */
    static RequestTelemetry of(RouterConfig.Telemetry config, RouterMetrics metrics) {
        AccessLog accessLog =
                config.accessLog().map(p -> new AccessLog(p, metrics)).orElse(null);
        if (config.otlp().isEmpty()) {
            return new RequestTelemetry(config, accessLog, null);
        }
        RouterConfig.Otlp otlp = config.otlp().get();
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(otlp.endpoint().toString())
                .setTimeout(otlp.timeout().toMillis(), TimeUnit.MILLISECONDS);
        otlp.headers().forEach(exporter::addHeader);
        Resource resource = Resource.getDefault()
                .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), otlp.serviceName())));
        return new RequestTelemetry(
                config, accessLog, new SpanExport(exporter.build(), resource, otlp.timeout(), metrics));
    }

    /**
     * The trace of a request with {@code headers}, written into them for the backend: the router's span is
     * the parent the backend sees. Sampled as the caller's span is, else as {@code sampleRatio} says.
     */
    TraceContext begin(HttpHeaders headers) {
        TraceContext context = TraceContext.of(headers, config.sampleRatio());
        context.writeTo(headers);
        return context;
    }

    /** Whether {@link #end} wants the details of a request in {@code trace}: for its log line or its span. */
    boolean wants(TraceContext trace) {
        return accessLog != null || (spans != null && trace.sampled());
    }

    /** The request ended as {@code e} says: its access log line, and its span when sampled. */
    void end(AccessLog.Entry e) {
        if (accessLog != null) {
            accessLog.log(e);
        }
        if (spans != null && e.trace().sampled()) {
            spans.add(e);
        }
    }

    /** Writes what is queued (lines and spans), then stops. */
    @Override
    public void close() {
        if (accessLog != null) {
            accessLog.close();
        }
        if (spans != null) {
            spans.close();
        }
    }
}
