package dev.slipway.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * How long each field of a request may be (the store's column sizes, so nothing too long reaches the database and
 * fails there), and how much of a caller's value the server repeats in an answer or a log line.
 */
final class Inputs {

    /** The most characters of a caller's value an answer or a log line repeats. */
    static final int ECHO = 200;

    static final int NAME = 200;
    static final int REPO = 255;
    static final int CONTEXT = 255;
    static final int REF = 255;
    static final int URL = 2048;
    static final int DESCRIPTION = 1024;
    static final int CLUSTER_GROUP = 253;
    static final int DIRECTORY = 4096;
    static final int QUERY = 255;
    static final int DELIVERY_ID = 64;

    private Inputs() {}

    /** {@code value} as an answer or a log line may repeat it: at most {@link #ECHO} characters, one line. */
    static String echo(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        int limit = ECHO - 40;
        for (int i = 0; i < value.length() && out.length() < limit; i++) {
            char c = value.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (value.length() > out.length()) {
            out.append("... (").append(value.length()).append(" characters)");
        }
        return out.toString();
    }

    /**
     * {@code e} for a log line: the same classes and stack traces, each message cut to {@link #ECHO} characters, as
     * exception messages (a database's above all) can quote a caller's whole value.
     */
    static Throwable clipped(Throwable e) {
        Throwable cause = e.getCause() == null || e.getCause() == e ? null : clipped(e.getCause());
        Clipped copy = new Clipped(e.getClass().getName() + ": " + echo(String.valueOf(e.getMessage())), cause);
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    /** An exception as {@link #clipped} logs it. */
    static final class Clipped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Clipped(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    /** Refuses {@code value} longer than {@code max} characters (400, naming the field and the bound). */
    static String bounded(String field, String value, int max) {
        if (value.length() > max) {
            throw ApiException.badRequest(
                    field,
                    "'" + field + "' is " + value.length() + " characters long; at most " + max + " are allowed",
                    "send a shorter " + field);
        }
        return value;
    }

    /** Whether {@code url} is an absolute http or https URL with a host, the only links the server shows. */
    static boolean webUrl(String url) {
        try {
            URI uri = new URI(url);
            String scheme = Optional.ofNullable(uri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
