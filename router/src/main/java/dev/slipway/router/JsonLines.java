package dev.slipway.router;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * A growing buffer of UTF-8 JSON lines, written field by field without a JSON library: the access log writer
 * fills it with a burst of lines, writes it out in one call and starts again. Strings are escaped as RFC 8259
 * asks (quote, backslash and control characters); a lone surrogate, which no HTTP header can carry, becomes
 * {@code ?}.
 */
final class JsonLines {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf;
    private int size;
    private boolean first;
    // The last second written by time(): "2026-12-04T19:52:13", formatted once per second, not per line.
    private long second = Long.MIN_VALUE;
    private byte[] secondText;

    JsonLines(int capacity) {
        buf = new byte[capacity];
    }

    int size() {
        return size;
    }

    void reset() {
        size = 0;
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, size);
    }

    String text() {
        return new String(buf, 0, size, StandardCharsets.UTF_8);
    }

    void startObject() {
        ensure(1);
        buf[size++] = '{';
        first = true;
    }

    void endLine() {
        ensure(2);
        buf[size++] = '}';
        buf[size++] = '\n';
    }

    /** {@code "name":"value"}, the value escaped. */
    void field(String name, CharSequence value) {
        name(name);
        string(value);
    }

    void field(String name, long value) {
        name(name);
        number(value);
    }

    /** {@code "name":"…"} with {@code n} bytes of {@code ascii} from {@code from}, which need no escaping. */
    void asciiField(String name, byte[] ascii, int from, int n) {
        name(name);
        ensure(n + 2);
        buf[size++] = '"';
        System.arraycopy(ascii, from, buf, size, n);
        size += n;
        buf[size++] = '"';
    }

    /** {@code "name":"host:port"}, or an empty string without a host. */
    void endpointField(String name, String host, int port) {
        name(name);
        if (host == null) {
            string("");
            return;
        }
        ensure(1);
        buf[size++] = '"';
        chars(host);
        ensure(1);
        buf[size++] = ':';
        digits(port);
        ensure(1);
        buf[size++] = '"';
    }

    /**
     * {@code nanos} as milliseconds with up to six decimals and no exponent ({@code 12.5}, {@code 300.0}): what
     * {@code Double.toString(nanos / 1e6)} gives between a microsecond and hours, exact and without its cost.
     */
    void millisField(String name, long nanos) {
        name(name);
        if (nanos < 0) {
            ensure(1);
            buf[size++] = '-';
            nanos = -nanos;
        }
        digits(nanos / 1_000_000);
        int fraction = (int) (nanos % 1_000_000);
        ensure(7);
        buf[size++] = '.';
        if (fraction == 0) {
            buf[size++] = '0';
            return;
        }
        int digits = 6;
        while (fraction % 10 == 0) {
            fraction /= 10;
            digits--;
        }
        for (int i = digits - 1; i >= 0; i--) {
            buf[size + i] = (byte) ('0' + fraction % 10);
            fraction /= 10;
        }
        size += digits;
    }

    /** {@code "name":"…"} as {@link Instant#toString()} writes {@code epochMillis}. */
    void timeField(String name, long epochMillis) {
        name(name);
        long s = Math.floorDiv(epochMillis, 1000);
        int ms = (int) Math.floorMod(epochMillis, 1000);
        if (s != second) {
            String t = Instant.ofEpochSecond(s).toString(); // "…T19:52:13Z"
            secondText = t.substring(0, t.length() - 1).getBytes(StandardCharsets.US_ASCII);
            second = s;
        }
        ensure(secondText.length + 7);
        buf[size++] = '"';
        System.arraycopy(secondText, 0, buf, size, secondText.length);
        size += secondText.length;
        if (ms != 0) {
            buf[size++] = '.';
            buf[size++] = (byte) ('0' + ms / 100);
            buf[size++] = (byte) ('0' + ms / 10 % 10);
            buf[size++] = (byte) ('0' + ms % 10);
        }
        buf[size++] = 'Z';
        buf[size++] = '"';
    }

    private void name(String name) {
        // Field names are the writer's own constants: plain ASCII.
        ensure(name.length() + 4);
        if (!first) {
            buf[size++] = ',';
        }
        first = false;
        buf[size++] = '"';
        for (int i = 0; i < name.length(); i++) {
            buf[size++] = (byte) name.charAt(i);
        }
        buf[size++] = '"';
        buf[size++] = ':';
    }

    private void string(CharSequence s) {
        ensure(1);
        buf[size++] = '"';
        chars(s);
        ensure(1);
        buf[size++] = '"';
    }

    private void chars(CharSequence s) {
        int n = s.length();
        // At most 6 bytes per char (\\u00XX); one check for the whole string.
        ensure(n * 6);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80) {
                if (c == '"' || c == '\\') {
                    buf[size++] = '\\';
                }
                buf[size++] = (byte) c;
            } else if (c < 0x20) {
                escape(c);
            } else if (c < 0x800) {
                buf[size++] = (byte) (0xc0 | c >> 6);
                buf[size++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf[size++] = (byte) (0xf0 | cp >> 18);
                buf[size++] = (byte) (0x80 | cp >> 12 & 0x3f);
                buf[size++] = (byte) (0x80 | cp >> 6 & 0x3f);
                buf[size++] = (byte) (0x80 | cp & 0x3f);
            } else if (Character.isSurrogate(c)) {
                buf[size++] = '?';
            } else {
                buf[size++] = (byte) (0xe0 | c >> 12);
                buf[size++] = (byte) (0x80 | c >> 6 & 0x3f);
                buf[size++] = (byte) (0x80 | c & 0x3f);
            }
        }
    }

    private void escape(char c) {
        buf[size++] = '\\';
        switch (c) {
            case '\n' -> buf[size++] = 'n';
            case '\r' -> buf[size++] = 'r';
            case '\t' -> buf[size++] = 't';
            case '\b' -> buf[size++] = 'b';
            case '\f' -> buf[size++] = 'f';
            default -> {
                buf[size++] = 'u';
                buf[size++] = '0';
                buf[size++] = '0';
                buf[size++] = HEX[c >> 4];
                buf[size++] = HEX[c & 0xf];
            }
        }
    }

    private void number(long v) {
        if (v < 0) {
            ensure(1);
            buf[size++] = '-';
            if (v == Long.MIN_VALUE) {
                byte[] b = "9223372036854775808".getBytes(StandardCharsets.US_ASCII);
                ensure(b.length);
                System.arraycopy(b, 0, buf, size, b.length);
                size += b.length;
                return;
            }
            v = -v;
        }
        digits(v);
    }

    private void digits(long v) {
        ensure(20);
        int n = 1;
        for (long x = v; x >= 10; x /= 10) {
            n++;
        }
        for (int i = n - 1; i >= 0; i--) {
            buf[size + i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        size += n;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
