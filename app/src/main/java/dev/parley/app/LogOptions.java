package dev.parley.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code --log-level} and {@code --log-file} of the long-running roles (a picocli mixin): applied
 * while the command line is parsed, so the first log line already follows them.
 *
 * <p>The file is written by Logback's own rolling appender: a new file each day and at 10 MB,
 * compressed, kept 14 days and at most 1 GB in all (docs/operations.md).
 */
final class LogOptions {
    /** The pattern of every log line, on stderr and in the file (dated: logs outlive a day). */
    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
    private static final String FILE_APPENDER = "FILE";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "Parley's log level: ERROR, WARN, INFO, DEBUG or TRACE (default: INFO, or PARLEY_LOG_LEVEL).")
    void logLevel(String level) {
        Level parsed = Level.toLevel(level.toUpperCase(Locale.ROOT), null);
        if (parsed == null || !level.equalsIgnoreCase(parsed.levelStr)) {
            throw new ParameterException(spec.commandLine(),
                    "--log-level: " + level + " (expected: ERROR, WARN, INFO, DEBUG or TRACE)");
        }
        parley().setLevel(parsed);
    }

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Also log to FILE, rolled daily and at 10 MB (FILE.yyyy-MM-dd.N.gz), kept 14 days, 1 GB at most.")
    void logFile(Path file) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding: its own configuration decides
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        var previous = root.getAppender(FILE_APPENDER);
        if (previous != null) { // --log-file given twice: the last wins
            root.detachAppender(previous);
            previous.stop();
        }
        RollingFileAppender<ILoggingEvent> appender = rollingAppender(context, FILE_APPENDER, file.toString(),
                file + ".%d{yyyy-MM-dd}.%i.gz");
        if (!appender.isStarted()) {
            throw new ParameterException(spec.commandLine(), "--log-file: cannot write " + file);
        }
        root.addAppender(appender);
    }

    /**
     * Starts a Logback rolling file appender with the dated {@link #PATTERN}: a new file each day
     * and at 10 MB, kept 14 days and at most 1 GB in all.
     *
     * @param activeFile the file written to, or null to write straight to the dated file of
     *     {@code fileNamePattern}
     * @param fileNamePattern Logback's pattern of the rolled files; must contain {@code %d} and {@code %i}
     * @return the appender; not {@linkplain RollingFileAppender#isStarted() started} if the file cannot be written
     */
    static RollingFileAppender<ILoggingEvent> rollingAppender(LoggerContext context, String name, @Nullable String activeFile,
            String fileNamePattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName(name);
        if (activeFile != null) {
            appender.setFile(activeFile);
        }
        appender.setEncoder(encoder);
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(fileNamePattern);
        policy.setMaxFileSize(FileSize.valueOf("10MB"));
        policy.setMaxHistory(14);
        policy.setTotalSizeCap(FileSize.valueOf("1GB"));
        policy.start();
        appender.setRollingPolicy(policy);
        appender.start();
        return appender;
    }

    private static Logger parley() {
        return (Logger) LoggerFactory.getLogger("dev.parley");
    }
}
