package dev.parley.app;

import dev.parley.client.ClientStore;
import dev.parley.client.HostCache;
import dev.parley.client.LoginClient;
import dev.parley.nat.discovery.NatProbe;
import dev.parley.nat.discovery.NatReport;
import dev.parley.nat.stun.StunClient;
import dev.parley.nat.transport.UdpEndpoint;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyPin;
import dev.parley.protocol.tls.Tls;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code parley client --nat-info}: NAT behaviour discovery (docs/nat.md) against two super nodes
 * of the client's host cache — preferring two different IPs, since one IP only reveals
 * port-dependence. Super nodes serve STUN on their own port number (UDP).
 */
final class NatInfo {
    private static final StunClient.Timing TIMING = new StunClient.Timing(200, 4, 8); // fails after 3 s

    private NatInfo() {}

    static int run(Path dataDir, HostPort pinned, HostPort login, String user, String password) throws Exception {
        ClientStore store = new ClientStore(dataDir);
        HostCache cache = store.hostCache();
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try {
            if (cache.size() < 2 && password != null) {
                KeyPin pin = store.loginKeyPin(null);
                var result = LoginClient.login(group, login, Tls.client(pin.verifier()), user, password,
                        store.identity().publicKey(), false).get(15, TimeUnit.SECONDS);
                pin.checkSameKey(result.getServerPublicKey().toByteArray());
                pin.commit();
                result.getSuperNodesList().forEach(a -> cache.add(HostPort.of(a)));
                cache.save();
            }
            List<HostPort> servers = pick(pinned, cache.entries());
            if (servers.isEmpty()) {
                System.err.println("parley client: no super node known (log in once, or give --supernode or --password-file)");
                return 1;
            }
            try (UdpEndpoint endpoint = UdpEndpoint.bind(group, new InetSocketAddress(0))) {
                StunClient client = new StunClient(endpoint, endpoint.scheduler(), InstantSource.system(), new SecureRandom(), TIMING);
                endpoint.addHandler(client);
                List<InetSocketAddress> targets = servers.stream().map(HostPort::toSocketAddress).toList();
                NatReport report = endpoint.call(() -> NatProbe.probe(client, endpoint.localAddress(), targets,
                        NatProbe.interfaceAddresses())).get(TIMING.totalMs() + 5_000, TimeUnit.MILLISECONDS);
                StunCommand.print(report);
                return 0;
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Up to two super nodes, the pinned one first, then the best of the cache on a different host. */
    static List<HostPort> pick(HostPort pinned, List<HostPort> cache) {
        List<HostPort> out = new ArrayList<>();
        if (pinned != null) {
            out.add(pinned);
        }
        for (HostPort h : cache) {
            if (out.size() < 2 && out.stream().noneMatch(o -> o.host().equals(h.host()))) {
                out.add(h);
            }
        }
        for (HostPort h : cache) { // fall back to a second port on the same host
            if (out.size() < 2 && !out.contains(h)) {
                out.add(h);
            }
        }
        return out;
    }
}
