package dev.slipway.router;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's own meters, for the router's and the server's {@code /metrics}: resident memory, CPU time, open
 * file descriptors and their limit, JVM heap and non-heap, garbage collection, threads, classes, uptime. Close it
 * with the registry (the GC meters listen to the JVM's notifications until then).
 */
public final class ProcessMetrics implements AutoCloseable {
    private static final Path STATM = Path.of("/proc/self/statm");
    // The kernel's page size for statm's counts: 4 KiB on the platforms Slipway runs on (x86-64, arm64 defaults).
    private static final long PAGE_BYTES = 4096;

    private final JvmGcMetrics gc = new JvmGcMetrics();

    private ProcessMetrics() {}

    /** Binds the process meters to {@code registry}. */
    public static ProcessMetrics bind(MeterRegistry registry) {
        // Two of Micrometer's process meters break Prometheus' naming rules (promtool: an abbreviated unit, a
        // _count suffix on a gauge): process_cpu_time_ns_total is published as the standard
        // process_cpu_seconds_total instead, and system_cpu_count not at all.
        registry.config()
                .meterFilter(MeterFilter.deny(id ->
                        id.getName().equals("process.cpu.time") || id.getName().equals("system.cpu.count")));
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                    .baseUnit("seconds")
                    .description("CPU time the process used")
                    .register(registry);
        }
        if (Files.isReadable(STATM)) {
            Gauge.builder("process.resident.memory", ProcessMetrics::residentBytes)
                    .baseUnit("bytes")
                    .description("Resident set size of the process (Linux /proc/self/statm)")
                    .register(registry);
        }
        ProcessMetrics metrics = new ProcessMetrics();
        new JvmMemoryMetrics().bindTo(registry);
        metrics.gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        return metrics;
    }

    static double residentBytes() {
        try {
            String[] fields = Files.readString(STATM).trim().split(" ");
            return Long.parseLong(fields[1]) * (double) PAGE_BYTES;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        gc.close();
    }
}
