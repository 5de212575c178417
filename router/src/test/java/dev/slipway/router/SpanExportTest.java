package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SpanExportTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void whenTheCollectorIsStuckSpansBeyondTheQueueAreDroppedAndCountedAndTheRestExportedAtClose() throws Exception {
        StuckExporter exporter = new StuckExporter();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SpanExport export =
                new SpanExport(exporter, Resource.getDefault(), Duration.ofSeconds(10), new RouterMetrics(registry));
        export.add(entry(0));
        assertThat(exporter.entered.await(10, TimeUnit.SECONDS)).isTrue();
        int extra = 7;
        for (int i = 1; i <= SpanExport.QUEUE + extra; i++) {
            export.add(entry(i));
        }
        assertThat(registry.get("slipway.router.spans.dropped").counter().count())
                .isEqualTo(extra);

        exporter.release.countDown();
        export.close();
        assertThat(exporter.exported).hasSize(1 + SpanExport.QUEUE);
        assertThat(exporter.batches).allSatisfy(n -> assertThat(n).isBetween(1, SpanExport.BATCH));
        assertThat(exporter.mostAtOnce.get()).as("one export at a time").isEqualTo(1);
        assertThat(exporter.shutDown).isTrue();
    }

    private static AccessLog.Entry entry(int n) {
        String span = String.format("%016x", n + 1);
        return new AccessLog.Entry(
                0,
                System.nanoTime(),
                "127.0.0.1",
                "GET",
                "example.test",
                "/api/" + n,
                "api",
                "web",
                "east",
                null,
                200,
                "",
                1_000,
                0,
                0,
                0,
                "id",
                TraceContext.of(TRACE, null, span, TraceContext.SAMPLED),
                "");
    }

    /** An exporter whose first export does not return until released. */
    static final class StuckExporter implements SpanExporter {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<SpanData> exported = new CopyOnWriteArrayList<>();
        final List<Integer> batches = new CopyOnWriteArrayList<>();
        final AtomicInteger atOnce = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        volatile boolean shutDown;

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exported.addAll(spans);
            batches.add(spans.size());
            atOnce.decrementAndGet();
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            shutDown = true;
            return CompletableResultCode.ofSuccess();
        }
    }
}
