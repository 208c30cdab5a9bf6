package dev.parley.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.nat.discovery.NatProbe;
import dev.parley.nat.discovery.NatReport;
import dev.parley.nat.stun.StunClient;
import dev.parley.nat.stun.StunServer;
import dev.parley.nat.transport.UdpEndpoint;
import dev.parley.protocol.HostPort;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code parley stun}: learns the server-reflexive address and NAT mapping behaviour from STUN
 * servers (RFC 8489 Binding), or with {@code --serve} runs a STUN server.
 */
@Command(name = "stun", mixinStandardHelpOptions = true,
        description = {"Asks STUN servers (two, on different IPs, to classify the NAT) for this host's server-reflexive "
                + "address and prints it with the NAT mapping behaviour (no NAT, endpoint-independent, "
                + "endpoint-dependent, blocked) as text and, on the last line, JSON.",
                "With --serve HOST:PORT it runs a STUN Binding server instead, until stopped."})
final class StunCommand implements Callable<Integer> {
    @Option(names = "--server", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "A STUN server (repeat: two servers classify the mapping).")
    List<HostPort> servers = new ArrayList<>();

    @Option(names = "--local", paramLabel = "HOST:PORT", converter = HostPortConverter.class, defaultValue = "0.0.0.0:0",
            description = "Local UDP address to probe from (default: ${DEFAULT-VALUE}).")
    HostPort local;

    @Option(names = "--rto-ms", paramLabel = "MS", defaultValue = "500",
            description = "Initial retransmission timeout (RFC 8489: ${DEFAULT-VALUE}).")
    long rtoMs;

    @Option(names = "--rc", paramLabel = "N", defaultValue = "7",
            description = "Requests per server before giving up (RFC 8489: ${DEFAULT-VALUE}); the last waits 16 x RTO.")
    int rc;

    @Option(names = "--serve", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Run a STUN server on this UDP address instead of probing.")
    HostPort serve;

    @Option(names = "--data", paramLabel = "DIR",
            description = "With --serve: write DIR/address once listening.")
    Path data;

    @Override
    public Integer call() throws Exception {
        if (serve != null) {
            return serve();
        }
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("--server: none given (expected: one or two HOST:PORT)");
        }
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try (UdpEndpoint endpoint = UdpEndpoint.bind(group, local.toSocketAddress())) {
            StunClient client = new StunClient(endpoint, endpoint.scheduler(), InstantSource.system(), new SecureRandom(),
                    new StunClient.Timing(rtoMs, rc, 16));
            endpoint.addHandler(client);
            List<InetSocketAddress> targets = servers.stream().map(HostPort::toSocketAddress).toList();
            NatReport report = endpoint.call(() -> NatProbe.probe(client, endpoint.localAddress(), targets, NatProbe.interfaceAddresses()))
                    .get(10 * new StunClient.Timing(rtoMs, rc, 16).totalMs() + 5_000, TimeUnit.MILLISECONDS);
            print(report);
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    static void print(NatReport report) throws Exception {
        System.out.println("mapping: " + report.mapping().label());
        System.out.println("local: " + text(report.localAddress()));
        System.out.println("server-reflexive: " + report.serverReflexive().map(a -> text(a)).orElse("-"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mapping", report.mapping().label());
        json.put("udp", report.udpWorks());
        json.put("local", text(report.localAddress()));
        json.put("server_reflexive", report.serverReflexive().map(StunCommand::text).orElse(null));
        List<Map<String, Object>> obs = new ArrayList<>();
        for (NatReport.Observation o : report.observations()) {
            System.out.println("  " + text(o.server()) + " -> " + (o.mapped() != null ? text(o.mapped()) + " (" + o.rttMs() + " ms)" : o.error()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("server", text(o.server()));
            m.put("mapped", o.mapped() == null ? null : text(o.mapped()));
            m.put("rtt_ms", o.rttMs());
            m.put("error", o.error());
            obs.add(m);
        }
        json.put("observations", obs);
        System.out.println(new ObjectMapper().writeValueAsString(json));
    }

    private static String text(InetSocketAddress a) {
        return new HostPort(a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString(), a.getPort()).toString();
    }

    private Integer serve() throws Exception {
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        StunServer server = StunServer.start(group, serve.toSocketAddress(), "parley");
        System.err.println("stun server listening on " + text(server.localAddress()));
        AutoCloseable stop = () -> {
            server.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        };
        if (data != null) {
            Daemons.writeAddress(data, new HostPort(serve.host(), server.localAddress().getPort()));
            return Daemons.runUntilStopped(stop, data);
        }
        return Daemons.runUntilStopped(stop, Path.of(System.getProperty("java.io.tmpdir"), "parley-stun-" + ProcessHandle.current().pid()));
    }
}
