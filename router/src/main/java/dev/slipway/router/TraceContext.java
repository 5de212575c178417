package dev.slipway.router;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The W3C Trace Context (https://www.w3.org/TR/trace-context/) of one request as the router takes part in it:
 * the trace it belongs to, the span that called the router (if any) and the router's own span, which is what
 * the backend sees as its parent in {@code traceparent}.
 *
 * @param traceId 32 lower-case hex digits, not all zero
 * @param parentSpanId the caller's span (16 hex digits), or {@code null} when the router started the trace
 * @param spanId the router's span (16 hex digits, not all zero)
 * @param flags the trace flags; bit 0 is "sampled"
 */
record TraceContext(String traceId, String parentSpanId, String spanId, byte flags) {
    static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    static final byte SAMPLED = 1;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION_00_LENGTH = 55;

    /** A caller's trace context, parsed from a {@code traceparent} header. */
    record Parent(String traceId, String spanId, byte flags) {}

    boolean sampled() {
        return (flags & SAMPLED) != 0;
    }

    /** The {@code traceparent} to send on: version 00, the router's span as the parent. */
    String header() {
        return "00-" + traceId + "-" + spanId + "-" + (char) HEX[(flags >> 4) & 0xf] + (char) HEX[flags & 0xf];
    }

    /**
     * The caller's context, or {@code null} when the header is missing or invalid (the spec says a participant
     * then starts a new trace and ignores {@code tracestate}). Versions above 00 are read by their 00 prefix as
     * the spec asks; version ff is invalid.
     */
    static Parent parse(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (h.length() < VERSION_00_LENGTH) {
            return null;
        }
        if (!hex(h, 0, 2) || h.charAt(2) != '-' || h.startsWith("ff")) {
            return null;
        }
        boolean v00 = h.startsWith("00");
        if (v00 ? h.length() != VERSION_00_LENGTH : h.length() > VERSION_00_LENGTH && h.charAt(55) != '-') {
            return null;
        }
        if (!hex(h, 3, 32) || h.charAt(35) != '-' || !hex(h, 36, 16) || h.charAt(52) != '-' || !hex(h, 53, 2)) {
            return null;
        }
        String traceId = h.substring(3, 35);
        String spanId = h.substring(36, 52);
        if (zeros(traceId) || zeros(spanId)) {
            return null;
        }
        return new Parent(traceId, spanId, (byte) Integer.parseInt(h, 53, 55, 16));
    }

    /**
     * The router's context for a request with {@code headers}: a child of the caller's span, or a new trace
     * marked sampled with probability {@code sampleRatio}.
     */
    static TraceContext of(HttpHeaders headers, double sampleRatio) {
        Parent parent = parse(headers.get(TRACEPARENT));
        ThreadLocalRandom r = ThreadLocalRandom.current();
        if (parent != null) {
            return new TraceContext(parent.traceId(), parent.spanId(), newId(r, 1), parent.flags());
        }
        byte flags = sampleRatio >= 1.0 || r.nextDouble() < sampleRatio ? SAMPLED : 0;
        return new TraceContext(newId(r, 2), null, newId(r, 1), flags);
    }

    /**
     * Sets {@code traceparent} to the router's span; a {@code tracestate} is kept only when the caller's
     * {@code traceparent} was valid (it belongs to that trace).
     */
    void writeTo(HttpHeaders headers) {
        if (parentSpanId == null) {
            headers.remove(TRACESTATE);
        }
        headers.set(TRACEPARENT, header());
    }

    /** {@code longs} random longs as hex, never all zero. */
    static String newId(ThreadLocalRandom r, int longs) {
        byte[] id = new byte[16 * longs];
        long first;
        do {
            first = r.nextLong();
        } while (first == 0 && longs == 1);
        hex(first, id, 0);
        for (int i = 1; i < longs; i++) {
            hex(r.nextLong(), id, 16 * i);
        }
        return new String(id, StandardCharsets.US_ASCII);
    }

    /** Writes {@code v} as 16 hex digits at {@code at}. */
    static void hex(long v, byte[] into, int at) {
        for (int i = 15; i >= 0; i--) {
            into[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    private static boolean hex(String s, int from, int n) {
        for (int i = from; i < from + n; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String id) {
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
