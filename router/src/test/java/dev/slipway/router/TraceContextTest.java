package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceContextTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";

    @Test
    void aValidParentIsReadAsTheSpecWritesIt() {
        TraceContext.Parent p = TraceContext.parse("00-" + TRACE + "-" + PARENT + "-01");
        assertThat(p).isEqualTo(new TraceContext.Parent(TRACE, PARENT, (byte) 1));
    }

    @Test
    void aLaterVersionIsReadByItsVersion00PartAndItsExtraFieldsIgnored() {
        assertThat(TraceContext.parse("cc-" + TRACE + "-" + PARENT + "-09-what-comes-next"))
                .isEqualTo(new TraceContext.Parent(TRACE, PARENT, (byte) 9));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "garbage",
                "ff-" + TRACE + "-" + PARENT + "-01", // version ff is invalid
                "00-" + TRACE + "-" + PARENT + "-01-extra", // version 00 has exactly four fields
                "00-00000000000000000000000000000000-" + PARENT + "-01", // all-zero trace id
                "00-" + TRACE + "-0000000000000000-01", // all-zero parent id
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + PARENT + "-01", // upper case
                "00-" + TRACE + "-" + PARENT + "-0g",
                "00_" + TRACE + "-" + PARENT + "-01",
                "00-" + TRACE + "x" + PARENT + "-01",
                "cc-" + TRACE + "-" + PARENT + "-01x",
            })
    void anInvalidParentStartsANewTrace(String header) {
        assertThat(TraceContext.parse(header)).isNull();
        HttpHeaders h = new DefaultHttpHeaders().set("traceparent", header).set("tracestate", "rojo=1");
        TraceContext c = TraceContext.of(h, 1.0);
        assertThat(c.parentSpanId()).isNull();
        c.writeTo(h);
        // tracestate belongs to the caller's trace, which the router could not read: it is dropped.
        assertThat(h.get("tracestate")).isNull();
        assertThat(TraceContext.parse(h.get("traceparent"))).isNotNull();
    }

    @Test
    void theRouterForwardsItsOwnSpanInTheCallersTraceKeepingFlagsAndState() {
        HttpHeaders h = new DefaultHttpHeaders()
                .set("traceparent", "00-" + TRACE + "-" + PARENT + "-00")
                .set("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
        TraceContext c = TraceContext.of(h, 1.0);
        c.writeTo(h);
        TraceContext.Parent sent = TraceContext.parse(h.get("traceparent"));
        assertThat(sent.traceId()).isEqualTo(TRACE);
        assertThat(sent.spanId()).isNotEqualTo(PARENT).isEqualTo(c.spanId());
        assertThat(sent.flags()).as("the caller decided not to sample").isZero();
        assertThat(h.get("tracestate")).isEqualTo("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    }

    @Test
    void newTracesAreSampledAtTheConfiguredRatio() {
        assertThat(TraceContext.of(new DefaultHttpHeaders(), 1.0).sampled()).isTrue();
        assertThat(TraceContext.of(new DefaultHttpHeaders(), 0.0).sampled()).isFalse();
    }

    @Property(tries = 2000)
    void newTracesAreSampledAsOpenTelemetrysTraceIdRatioSamplerWould(
            @ForAll @DoubleRange(min = 0, max = 1) double ratio) {
        TraceContext c = TraceContext.of(new DefaultHttpHeaders(), ratio);
        SamplingResult otel = Sampler.traceIdRatioBased(ratio)
                .shouldSample(Context.root(), c.traceId(), "GET", SpanKind.SERVER, Attributes.empty(), List.of());
        assertThat(c.sampled()).isEqualTo(otel.getDecision() == SamplingDecision.RECORD_AND_SAMPLE);
    }

    @Test
    void theCallersSampledFlagDecidesWhateverTheRatio() {
        HttpHeaders sampled = new DefaultHttpHeaders().set("traceparent", "00-" + TRACE + "-" + PARENT + "-01");
        HttpHeaders unsampled = new DefaultHttpHeaders().set("traceparent", "00-" + TRACE + "-" + PARENT + "-00");
        assertThat(TraceContext.of(sampled, 0.0).sampled()).isTrue();
        TraceContext c = TraceContext.of(unsampled, 1.0);
        assertThat(c.sampled()).isFalse();
        assertThat(c.traceId()).isEqualTo(TRACE);
        assertThat(c.parentSpanId()).isEqualTo(PARENT);
    }

    @Property(tries = 2000)
    void parsingNeverThrowsAndWhatItReadsItWritesBack(@ForAll String header) {
        TraceContext.Parent p = TraceContext.parse(header);
        if (p != null) {
            assertThat(TraceContext.parse(TraceContext.of(p.traceId(), null, p.spanId(), p.flags())
                            .header()))
                    .isEqualTo(p);
        }
    }

    @Property(tries = 500)
    void everyStartedTraceIsValid(@ForAll boolean withParent) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (withParent) {
            h.set("traceparent", "00-" + TRACE + "-" + PARENT + "-01");
        }
        TraceContext c = TraceContext.of(h, 0.5);
        assertThat(TraceContext.parse(c.header()))
                .isEqualTo(new TraceContext.Parent(c.traceId(), c.spanId(), c.flags()));
    }
}
