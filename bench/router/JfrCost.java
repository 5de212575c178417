import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording of the router taken while wrk sent a known number of requests, and prints what one
 * request cost: bytes allocated (event loop thread and whole JVM, from jdk.ThreadAllocationStatistics at the
 * start and end of the recording), which classes the event loop allocated (jdk.ObjectAllocationSample), and
 * where its CPU samples fell (jdk.ExecutionSample). Run with the JDK alone:
 *
 * <pre>java bench/router/JfrCost.java recording.jfr REQUESTS</pre>
 *
 * The event loop is the thread that allocated the most; the first line is machine-readable:
 * {@code COST <loop bytes/req> <all bytes/req> <loop samples>}.
 */
public class JfrCost {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long requests = Long.parseLong(args[1]);
        Map<String, long[]> allocated = new HashMap<>(); // thread -> {min, max}
        Map<String, Map<String, Long>> allocByClass = new HashMap<>();
        Map<String, List<RecordedStackTrace>> samples = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            switch (e.getEventType().getName()) {
                case "jdk.ThreadAllocationStatistics" -> {
                    if (e.getThread("thread") == null) {
                        continue;
                    }
                    long a = e.getLong("allocated");
                    allocated.merge(thread(e.getThread("thread")), new long[] {a, a}, (x, y) -> new long[] {
                        Math.min(x[0], y[0]), Math.max(x[1], y[1])
                    });
                }
                case "jdk.ObjectAllocationSample" -> allocByClass
                        .computeIfAbsent(thread(e.getThread("eventThread")), t -> new HashMap<>())
                        .merge(e.getClass("objectClass").getName(), e.getLong("weight"), Long::sum);
                case "jdk.ExecutionSample" -> {
                    if (e.getStackTrace() != null) {
                        samples.computeIfAbsent(thread(e.getThread("sampledThread")), t -> new ArrayList<>())
                                .add(e.getStackTrace());
                    }
                }
                default -> {}
            }
        }
        String loop = null;
        long loopBytes = 0;
        long allBytes = 0;
        for (Map.Entry<String, long[]> t : allocated.entrySet()) {
            long d = t.getValue()[1] - t.getValue()[0];
            allBytes += d;
            if (d > loopBytes) {
                loopBytes = d;
                loop = t.getKey();
            }
        }
        List<RecordedStackTrace> loopSamples = samples.getOrDefault(loop, List.of());
        System.out.printf("COST %.0f %.0f %d%n", (double) loopBytes / requests, (double) allBytes / requests,
                loopSamples.size());
        System.out.printf("event loop thread: %s; %d requests%n", loop, requests);
        System.out.printf("allocated per request: %.0f bytes on the event loop, %.0f bytes in the whole JVM%n",
                (double) loopBytes / requests, (double) allBytes / requests);

        System.out.println("\nevent loop allocation by class (sampled, bytes per request):");
        Map<String, Long> byClass = allocByClass.getOrDefault(loop, Map.of());
        long sampledTotal = byClass.values().stream().mapToLong(Long::longValue).sum();
        top(byClass, 15).forEach((k, v) -> System.out.printf("  %7.1f  %5.1f%%  %s%n", (double) v / requests,
                100.0 * v / Math.max(1, sampledTotal), k));

        Map<String, Long> self = new HashMap<>();
        Map<String, Long> inclusive = new HashMap<>();
        for (RecordedStackTrace s : loopSamples) {
            List<RecordedFrame> frames = s.getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            self.merge(method(frames.get(0)), 1L, Long::sum);
            frames.stream().map(JfrCost::method).distinct().forEach(m -> inclusive.merge(m, 1L, Long::sum));
        }
        System.out.printf("%nevent loop CPU samples: %d; top methods by self samples:%n", loopSamples.size());
        top(self, 20).forEach((k, v) -> System.out.printf("  %5.1f%%  %s%n", 100.0 * v / loopSamples.size(), k));
        System.out.println("\nrouter code and meters, inclusive (share of samples with the method on the stack):");
        Map<String, Long> ours = new HashMap<>();
        inclusive.forEach((k, v) -> {
            if (k.startsWith("dev.slipway.") || k.startsWith("io.micrometer.")
                    || k.contains("ScheduledFutureTask") || k.contains("PriorityQueue")) {
                ours.put(k, v);
            }
        });
        top(ours, 25).forEach((k, v) -> System.out.printf("  %5.1f%%  %s%n", 100.0 * v / loopSamples.size(), k));
    }

    private static String thread(jdk.jfr.consumer.RecordedThread t) {
        if (t == null) {
            return "?";
        }
        return t.getJavaName() != null ? t.getJavaName() : t.getOSName();
    }

    private static String method(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static Map<String, Long> top(Map<String, Long> m, int n) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(n)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
