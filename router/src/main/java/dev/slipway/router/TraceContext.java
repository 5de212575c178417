package dev.slipway.router;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The W3C Trace Context (https://www.w3.org/TR/trace-context/) of one request as the router takes part in it:
 * the trace it belongs to, the span that called the router (if any) and the router's own span, which is what
 * the backend sees as its parent in {@code traceparent}. Held as the {@code traceparent} bytes the router sends
 * (one small array per request, written to the wire as it is, with the caller's span id behind them); the ids
 * are read out of it as strings only when asked, off the event loop.
 */
final class TraceContext {
    static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    static final byte SAMPLED = 1;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int LENGTH = 55;
    private static final int WITH_PARENT = LENGTH + 16;

    // "00-" trace id (32) "-" span id (16) "-" flags (2): what goes out as traceparent; then, when the router
    // joined a caller's trace, the caller's span id (16).
    private final byte[] header;

    private TraceContext(byte[] header) {
        this.header = header;
    }

    /** A caller's trace context, parsed from a {@code traceparent} header. */
    record Parent(String traceId, String spanId, byte flags) {}

    /** The context with these ids (32 and 16 lower-case hex digits); {@code parentSpanId} null for a new trace. */
    static TraceContext of(String traceId, String parentSpanId, String spanId, byte flags) {
        byte[] h = new byte[parentSpanId == null ? LENGTH : WITH_PARENT];
        h[0] = '0';
        h[1] = '0';
        h[2] = '-';
        ascii(traceId, h, 3);
        h[35] = '-';
        ascii(spanId, h, 36);
        h[52] = '-';
        h[53] = HEX[(flags >> 4) & 0xf];
        h[54] = HEX[flags & 0xf];
        if (parentSpanId != null) {
            ascii(parentSpanId, h, LENGTH);
        }
        return new TraceContext(h);
    }

    /** Where the trace id (32 hex digits) and the router's span id (16) sit in {@link #bytes()}. */
    static final int TRACE_ID_AT = 3;

    static final int SPAN_ID_AT = 36;

    /** The {@code traceparent} bytes (the ids as lower-case hex), for a writer that copies them; not to change. */
    byte[] bytes() {
        return header;
    }

    String traceId() {
        return new String(header, 3, 32, StandardCharsets.US_ASCII);
    }

    String spanId() {
        return new String(header, 36, 16, StandardCharsets.US_ASCII);
    }

    /** The caller's span, or null when the router started the trace. */
    String parentSpanId() {
        return header.length == WITH_PARENT ? new String(header, LENGTH, 16, StandardCharsets.US_ASCII) : null;
    }

    byte flags() {
        return (byte) (digit(header[53]) << 4 | digit(header[54]));
    }

    boolean sampled() {
        return (flags() & SAMPLED) != 0;
    }

    /** The {@code traceparent} to send on: version 00, the router's span as the parent. */
    String header() {
        return new String(header, 0, LENGTH, StandardCharsets.US_ASCII);
    }

    /**
     * The caller's context, or {@code null} when the header is missing or invalid (the spec says a participant
     * then starts a new trace and ignores {@code tracestate}). Versions above 00 are read by their 00 prefix as
     * the spec asks; version ff is invalid.
     */
    static Parent parse(CharSequence header) {
        if (!valid(header)) {
            return null;
        }
        String h = header.toString().trim();
        return new Parent(h.substring(3, 35), h.substring(36, 52), (byte) Integer.parseInt(h, 53, 55, 16));
    }

    private static boolean valid(CharSequence header) {
        if (header == null) {
            return false;
        }
        CharSequence h = header;
        int start = 0;
        int end = h.length();
        while (start < end && h.charAt(start) <= ' ') {
            start++;
        }
        while (end > start && h.charAt(end - 1) <= ' ') {
            end--;
        }
        int n = end - start;
        if (n < LENGTH || !hex(h, start, 2) || h.charAt(start + 2) != '-') {
            return false;
        }
        boolean ff = h.charAt(start) == 'f' && h.charAt(start + 1) == 'f';
        boolean v00 = h.charAt(start) == '0' && h.charAt(start + 1) == '0';
        if (ff || (v00 ? n != LENGTH : n > LENGTH && h.charAt(start + 55) != '-')) {
            return false;
        }
        return hex(h, start + 3, 32)
                && h.charAt(start + 35) == '-'
                && hex(h, start + 36, 16)
                && h.charAt(start + 52) == '-'
                && hex(h, start + 53, 2)
                && !zeros(h, start + 3, 32)
                && !zeros(h, start + 36, 16);
    }

    /**
     * The router's context for a request with {@code headers}: a child of the caller's span (sampled when the
     * caller's is), or a new trace sampled as {@link #sampledAt} says. Nothing but the one array is allocated.
     */
    static TraceContext of(HttpHeaders headers, double sampleRatio) {
        String given = headers.get(TRACEPARENT);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        boolean join = valid(given);
        byte[] h = new byte[join ? WITH_PARENT : LENGTH];
        h[0] = '0';
        h[1] = '0';
        h[2] = '-';
        h[35] = '-';
        h[52] = '-';
        spanId(r, h);
        if (join) {
            // Leading white space is allowed around the value; the valid part starts at the first digit.
            int at = 0;
            while (given.charAt(at) <= ' ') {
                at++;
            }
            for (int i = 3; i < 35; i++) {
                h[i] = (byte) given.charAt(at + i);
            }
            h[53] = (byte) given.charAt(at + 53);
            h[54] = (byte) given.charAt(at + 54);
            for (int i = 0; i < 16; i++) {
                h[LENGTH + i] = (byte) given.charAt(at + 36 + i);
            }
            return new TraceContext(h);
        }
        long high;
        long low;
        do {
            high = r.nextLong();
            low = r.nextLong();
        } while (high == 0 && low == 0);
        hex(high, h, 3);
        hex(low, h, 19);
        h[53] = '0';
        h[54] = sampledAt(low, sampleRatio) ? (byte) '1' : (byte) '0';
        return new TraceContext(h);
    }

    /**
     * Whether a new trace whose id ends in the 64 bits {@code low} is sampled at {@code ratio}: the rule of
     * OpenTelemetry's {@code TraceIdRatioBased} sampler (the absolute value of the id's lower half below
     * {@code ratio} times {@code Long.MAX_VALUE}), so every participant that samples by trace id agrees.
     */
    static boolean sampledAt(long low, double ratio) {
        if (ratio >= 1.0) {
            return true;
        }
        if (ratio <= 0.0) {
            return false;
        }
        return Math.abs(low) < (long) (ratio * Long.MAX_VALUE);
    }

    /**
     * Sets {@code traceparent} to the router's span; a {@code tracestate} is kept only when the caller's
     * {@code traceparent} was valid (it belongs to that trace).
     */
    void writeTo(HttpHeaders headers) {
        if (header.length == LENGTH) {
            headers.remove(TRACESTATE);
        }
        // The array is not copied: AsciiString wraps its first 55 bytes and the encoder writes them as they are.
        headers.set(TRACEPARENT, new AsciiString(header, 0, LENGTH, false));
    }

    /** Writes {@code v} as 16 hex digits at {@code at}. */
    static void hex(long v, byte[] into, int at) {
        for (int i = 15; i >= 0; i--) {
            into[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    private static void spanId(ThreadLocalRandom r, byte[] h) {
        long id;
        do {
            id = r.nextLong();
        } while (id == 0);
        hex(id, h, 36);
    }

    private static void ascii(String s, byte[] into, int at) {
        for (int i = 0; i < s.length(); i++) {
            into[at + i] = (byte) s.charAt(i);
        }
    }

    private static int digit(byte b) {
        return b <= '9' ? b - '0' : b - 'a' + 10;
    }

    private static boolean hex(CharSequence s, int from, int n) {
        for (int i = from; i < from + n; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(CharSequence s, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
