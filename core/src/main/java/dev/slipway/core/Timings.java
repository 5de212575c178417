package dev.slipway.core;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Where a command's time goes, phase by phase, for {@code SLIPWAY_TIMINGS=1} (docs/benchmarks.md). Off by
 * default: then every call is one boolean check and nothing is recorded or printed. Spans may overlap (clusters
 * are read in parallel); each is printed with its start and end since the JVM started.
 */
public final class Timings {
    private static final boolean ON = Optional.ofNullable(System.getenv("SLIPWAY_TIMINGS"))
            .map(v -> !v.isEmpty() && !v.equals("0"))
            .orElse(false);
    private static final long ORIGIN = System.nanoTime();
    private static final ConcurrentLinkedQueue<Span> SPANS = new ConcurrentLinkedQueue<>();

    private record Span(String what, long start, long end) {}

    private Timings() {}

    public static boolean enabled() {
        return ON;
    }

    /** Runs {@code work} and, when timings are on, records how long it took as {@code what}. */
    public static <T> T time(String what, Supplier<T> work) {
        if (!ON) {
            return work.get();
        }
        long start = System.nanoTime();
        try {
            return work.get();
        } finally {
            SPANS.add(new Span(what, start, System.nanoTime()));
        }
    }

    public static void time(String what, Runnable work) {
        time(what, () -> {
            work.run();
            return null;
        });
    }

    /** Records {@code what} as having run from {@code start} ({@link System#nanoTime()}) until now. */
    public static void since(String what, long start) {
        if (ON) {
            SPANS.add(new Span(what, start, System.nanoTime()));
        }
    }

    /** Prints every span since the JVM started, by start time; nothing when timings are off. */
    public static void print(PrintWriter err) {
        if (!ON) {
            return;
        }
        // From process start (the OS's clock, 10 ms granularity on Linux) to this class's first use, at main().
        long jvm = ProcessHandle.current()
                .info()
                .startInstant()
                .map(started -> Duration.between(started, Instant.now()).toNanos() - (System.nanoTime() - ORIGIN))
                .orElse(0L);
        List<Span> spans = new ArrayList<>(SPANS);
        spans.sort(Comparator.comparingLong(Span::start));
        err.printf("timings (ms since the JVM started; spans of parallel work overlap):%n");
        err.printf("  %7s %7s %7s  %s%n", "start", "end", "took", "phase");
        err.printf("  %7d %7d %7d  %s%n", 0, ms(jvm), ms(jvm), "JVM start until main() (Timings first used)");
        for (Span span : spans) {
            err.printf(
                    "  %7d %7d %7d  %s%n",
                    ms(jvm + span.start() - ORIGIN),
                    ms(jvm + span.end() - ORIGIN),
                    ms(span.end() - span.start()),
                    span.what());
        }
        err.printf("  %7s %7d %7s  %s%n", "", ms(jvm + System.nanoTime() - ORIGIN), "", "now (before exit)");
        err.flush();
    }

    private static long ms(long nanos) {
        return Math.round(nanos / 1e6);
    }
}
