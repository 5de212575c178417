package dev.slipway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;

/**
 * The CLI's logging set up in code (found by logback through ServiceLoader): reading a logback.xml instead loaded
 * about 650 more classes (logback's XML configurator and the JDK's XML parser) on every CLI start.
 *
 * <p>The CLI talks to its user through stdout/stderr itself; libraries only get to say warnings, on stderr.
 * {@code $SLIPWAY_LOG_LEVEL} (e.g. DEBUG) raises that for troubleshooting (docs/cli.md, "Logging").
 */
public final class CliLogging extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        // Logback's own status messages (about its configuration) are not for the CLI's user.
        context.getStatusManager().add(new NopStatusListener());
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(System.getenv("SLIPWAY_LOG_LEVEL")));
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The level $SLIPWAY_LOG_LEVEL names, WARN when it is unset or not a level. */
    static Level level(String value) {
        return Level.toLevel(value == null ? null : value.trim(), Level.WARN);
    }
}
