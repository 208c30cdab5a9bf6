package dev.parley.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Logging for the interactive shell: every log line goes to a dated file in the data dir
 * ({@code DATA/logs/client-yyyy-MM-dd.N.log}, kept 14 days), and only WARN and above reach the
 * screen, printed above the prompt rather than over it.
 */
final class ShellLog {
    private static final String SCREEN_APPENDER = "SHELL";
    private static final String FILE_APPENDER = "SHELL-FILE";

    private ShellLog() {}

    /**
     * Replaces the stderr appender with one that shows WARN and above through {@link Screen#route},
     * and starts the dated file.
     *
     * @param dataDir the client's data dir; the logs go to its {@code logs} folder
     * @return the screen appender, to route through the shell's view once it runs (unattached when
     *     Logback is not the SLF4J binding)
     * @throws IOException if the log folder cannot be created or written
     */
    static Screen install(Path dataDir) throws IOException {
        Screen screen = new Screen();
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return screen;
        }
        Path dir = Files.createDirectories(dataDir.resolve("logs"));
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        RollingFileAppender<ILoggingEvent> file = LogOptions.rollingAppender(context, FILE_APPENDER, null,
                dir.resolve("client-%d{yyyy-MM-dd}.%i.log").toString());
        if (!file.isStarted()) {
            throw new IOException(dir + ": cannot write the log file there");
        }
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern("%d{HH:mm:ss} %-5level %logger{0} - %msg");
        layout.start();
        screen.layout = layout;
        screen.setContext(context);
        screen.setName(SCREEN_APPENDER);
        screen.start();
        for (var it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> a = it.next();
            if (a instanceof ConsoleAppender<?>) {
                root.detachAppender(a);
                a.stop();
            }
        }
        root.addAppender(screen);
        root.addAppender(file);
        return screen;
    }

    /** The on-screen part: WARN and above, one line each, to wherever the shell prints. */
    static final class Screen extends AppenderBase<ILoggingEvent> {
        private volatile Consumer<String> sink = System.err::println;
        private PatternLayout layout = new PatternLayout();

        /** Sends the lines shown on screen to {@code sink} (the shell's print-above-the-prompt). */
        void route(Consumer<String> sink) {
            this.sink = sink;
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                sink.accept(layout.doLayout(event));
            }
        }
    }
}
