package dev.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class CliLoggingTest {
    @Test
    void theCliIsSetUpInCodeWithWarningsOnStderr() {
        // The JVM running this test set logging up through ServiceLoader, as the CLI does.
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getAppender("STDERR"))
                .isInstanceOfSatisfying(
                        ConsoleAppender.class, a -> assertThat(a.getTarget()).isEqualTo("System.err"));
        assertThat(getClass().getResource("/logback.xml"))
                .as("no XML configuration on the CLI's class path (parsing it costs start time)")
                .isNull();
    }

    @Test
    void slipwayLogLevelRaisesTheLevelAndAnythingElseMeansWarn() {
        assertThat(CliLogging.level("DEBUG")).isEqualTo(Level.DEBUG);
        assertThat(CliLogging.level(" trace ")).isEqualTo(Level.TRACE);
        assertThat(CliLogging.level(null)).isEqualTo(Level.WARN);
        assertThat(CliLogging.level("")).isEqualTo(Level.WARN);
        assertThat(CliLogging.level("loud")).isEqualTo(Level.WARN);
    }
}
