package dev.slipway.local;

import java.util.List;

/**
 * Where captured process output goes (terminal, rotating file, syslog), so the supervisor does not care how
 * many destinations there are.
 */
public interface LogSink extends AutoCloseable {

    /** One line a replica wrote (already without its line terminator and with secrets masked). */
    void line(ReplicaId replica, String text);

    /** A supervisor event about a replica (started, ready, crashed, restarted, stopped). */
    default void event(ReplicaId replica, String text) {
        line(replica, "[slipway] " + text);
    }

    @Override
    default void close() {}

    /** Sends every line to each of {@code sinks} in turn. */
    static LogSink fanOut(List<LogSink> sinks) {
        List<LogSink> copy = List.copyOf(sinks);
        return new LogSink() {
            @Override
            public void line(ReplicaId replica, String text) {
                copy.forEach(s -> s.line(replica, text));
            }

            @Override
            public void event(ReplicaId replica, String text) {
                copy.forEach(s -> s.event(replica, text));
            }

            @Override
            public void close() {
                copy.forEach(LogSink::close);
            }
        };
    }

    /** Formats a line as shown and stored: the text, then the replica's metadata. */
    static String format(ReplicaId replica, String text) {
        return text + " " + replica.metadata();
    }
}
