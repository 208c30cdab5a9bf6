package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

class ConfigFileTest {
    @TempDir
    Path dir;

    private final Logger parley = (Logger) LoggerFactory.getLogger("dev.parley");
    private final Level levelBefore = parley.getLevel();

    @AfterEach
    void restoreLogging() {
        parley.setLevel(levelBefore);
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        var file = root.getAppender("FILE");
        if (file != null) {
            root.detachAppender(file);
            file.stop();
        }
    }

    private SuperNodeCommand parseSuperNode(String... args) {
        CommandLine cl = Main.commandLine();
        ConfigFile.install(cl, args);
        cl.parseArgs(args);
        return cl.getSubcommands().get("supernode").getCommand();
    }

    private Path config(String text) throws IOException {
        Path file = dir.resolve("supernode.properties");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void configFileSuppliesOptionsIncludingRequiredOnesAndFlagsOverrideIt() throws IOException {
        Path file = config("""
                # a super node on the LAN
                listen = 0.0.0.0:4000
                advertise = 192.168.1.20:4000
                login = 192.168.1.10:7000
                heartbeat-ms = 2000
                no-digests = true
                """);
        SuperNodeCommand fromFile = parseSuperNode("supernode", "--config", file.toString());
        assertThat(fromFile.listen).isEqualTo(new HostPort("0.0.0.0", 4000));
        assertThat(fromFile.advertise).isEqualTo(new HostPort("192.168.1.20", 4000));
        assertThat(fromFile.logins).containsExactly(new HostPort("192.168.1.10", 7000));
        assertThat(fromFile.heartbeatMs).isEqualTo(2000);
        assertThat(fromFile.noDigests).isTrue();
        assertThat(fromFile.searchRate).as("not in the file: the built-in default").isEqualTo(20);

        SuperNodeCommand overridden = parseSuperNode("supernode", "--heartbeat-ms", "500", "--config=" + file);
        assertThat(overridden.heartbeatMs).isEqualTo(500);
        assertThat(overridden.listen).isEqualTo(new HostPort("0.0.0.0", 4000));
    }

    @Test
    void severalLoginServersComeCommaSeparatedOrRepeatedInTheirOrder() throws IOException {
        HostPort a = new HostPort("10.0.0.11", 7000);
        HostPort b = new HostPort("10.0.0.12", 7000);
        assertThat(parseSuperNode("supernode", "--listen", "127.0.0.1:0", "--login", "10.0.0.11:7000,10.0.0.12:7000").logins)
                .containsExactly(a, b);
        assertThat(parseSuperNode("supernode", "--listen", "127.0.0.1:0", "--login", "10.0.0.12:7000",
                "--login", "10.0.0.11:7000").logins).containsExactly(b, a);
        Path file = config("listen = 0.0.0.0:4000\nlogin = 10.0.0.11:7000,10.0.0.12:7000\n");
        assertThat(parseSuperNode("supernode", "--config", file.toString()).logins).containsExactly(a, b);

        CommandLine cl = Main.commandLine();
        cl.parseArgs("client", "--user", "alice");
        assertThat(((ClientCommand) cl.getSubcommands().get("client").getCommand()).logins)
                .containsExactly(new HostPort("127.0.0.1", 7000));
        cl = Main.commandLine();
        cl.parseArgs("client", "--user", "alice", "--login", "10.0.0.12:7000,10.0.0.11:7000");
        assertThat(((ClientCommand) cl.getSubcommands().get("client").getCommand()).logins)
                .as("given ones replace the default").containsExactly(b, a);
    }

    @Test
    void misspelledKeyIsRefusedByNameWithTheValidOnes() throws IOException {
        Path file = config("lisen = 0.0.0.0:4000\nlogin = 127.0.0.1:7000\n");
        assertThatThrownBy(() -> parseSuperNode("supernode", "--config", file.toString()))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("unknown key [lisen]")
                .hasMessageContaining("listen, log-file, log-level, login");
    }

    @Test
    void missingOrOversizedFileIsAClearError() throws IOException {
        assertThatThrownBy(() -> parseSuperNode("supernode", "--config", dir.resolve("nope").toString()))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("cannot read it");
        Path big = dir.resolve("big.properties");
        Files.writeString(big, "#".repeat(ConfigFile.MAX_BYTES + 1));
        assertThatThrownBy(() -> parseSuperNode("supernode", "--config", big.toString()))
                .hasMessageContaining("(expected: <= " + ConfigFile.MAX_BYTES + ")");
    }

    @Test
    void configOfOneRoleDoesNotLeakIntoAnother() throws IOException {
        Path file = dir.resolve("login.properties");
        Files.writeString(file, "listen = 127.0.0.1:7100\n");
        CommandLine cl = Main.commandLine();
        String[] args = {"login-server", "--config", file.toString()};
        ConfigFile.install(cl, args);
        cl.parseArgs(args);
        LoginServerCommand login = cl.getSubcommands().get("login-server").getCommand();
        assertThat(login.listen).isEqualTo(new HostPort("127.0.0.1", 7100));
        SuperNodeCommand untouched = cl.getSubcommands().get("supernode").getCommand();
        assertThat(untouched.listen).isNull();
    }

    @Test
    void logLevelAppliesAtParseAndAnUnknownLevelIsRefused() {
        parseSuperNode("supernode", "--listen", "127.0.0.1:0", "--login", "127.0.0.1:7000", "--log-level", "debug");
        assertThat(parley.getLevel()).isEqualTo(Level.DEBUG);
        assertThatThrownBy(() -> parseSuperNode("supernode", "--listen", "127.0.0.1:0", "--login", "127.0.0.1:7000",
                "--log-level", "LOUD")).hasMessageContaining("--log-level: LOUD (expected: ERROR, WARN, INFO, DEBUG or TRACE)");
    }

    @Test
    void logFileGetsDatedLines() throws IOException {
        Path log = dir.resolve("logs/supernode.log");
        Files.createDirectories(log.getParent());
        parseSuperNode("supernode", "--listen", "127.0.0.1:0", "--login", "127.0.0.1:7000", "--log-file", log.toString());
        LoggerFactory.getLogger("dev.parley.test").warn("written to the log file");
        assertThat(Files.readString(log)).containsPattern(
                "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} WARN  test - written to the log file");
    }

    @Test
    void aClientsServeCapsComeFromItsConfigFileAndFlagsAndABadOneIsRefusedByName() throws IOException {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "serve-max-clients = 200\nserve-upload-kbps = 4000\nserve-port = 7100\n");
        String[] args = {"client", "--config", file.toString(), "--serve-max-relays", "8"};
        CommandLine cl = Main.commandLine();
        ConfigFile.install(cl, args);
        cl.parseArgs(args);
        ClientCommand client = cl.getSubcommands().get("client").getCommand();
        var serve = client.serving.settings(true);
        assertThat(serve.enabled()).isTrue();
        assertThat(serve.port()).isEqualTo(7100);
        assertThat(serve.maxClients()).isEqualTo(200);
        assertThat(serve.maxRelayAllocations()).isEqualTo(8);
        assertThat(serve.bandwidthShareKbps()).isEqualTo(4000);
        assertThat(client.serving.settings(false).enabled()).as("a one-shot call never offers").isFalse();

        String[] bad = {"client", "--serve-upload-kbps", "0"};
        CommandLine again = Main.commandLine();
        again.parseArgs(bad);
        ClientCommand refused = again.getSubcommands().get("client").getCommand();
        assertThatThrownBy(() -> refused.serving.settings(true)).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("0 kbit/s (expected: >= 1 each)");
    }
}
