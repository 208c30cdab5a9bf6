package dev.parley.nat.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.sim.SimNetwork;
import dev.parley.nat.sim.VirtualTime;
import dev.parley.nat.stun.StunBindingResponder;
import dev.parley.nat.stun.StunClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** NAT discovery against two simulated STUN servers, one scenario per lab NAT kind. */
class NatProbeTest {
    private final VirtualTime time = new VirtualTime();
    private final SimNetwork net = new SimNetwork(time, 5);
    private final List<InetSocketAddress> servers = List.of(stunServer("10.99.0.11"), stunServer("10.99.0.12"));

    private InetSocketAddress stunServer(String ip) {
        SimNetwork.Socket s = net.publicSocket(ip, 3478);
        StunBindingResponder responder = new StunBindingResponder("sim");
        s.addHandler((from, p) -> responder.respond(p, from).map(r -> {
            s.send(from, r);
            return true;
        }).orElse(false));
        return s.localAddress();
    }

    @ParameterizedTest
    @CsvSource({"NONE, NO_NAT", "ENDPOINT_INDEPENDENT, ENDPOINT_INDEPENDENT", "SYMMETRIC, ENDPOINT_DEPENDENT", "UDP_BLOCKED, UDP_BLOCKED"})
    void classifiesEachLabNatKind(String natKind, NatMapping expected) {
        SimNetwork.Socket socket = natKind.equals("NONE") ? net.publicSocket("10.99.0.20", 5000)
                : net.privateSocket(net.nat("10.99.0.31", SimNetwork.NatKind.valueOf(natKind), false), "192.168.31.2", 5000);
        StunClient client = new StunClient(socket, time, time, new SplittableRandom(1), new StunClient.Timing(100, 4, 8));
        socket.addHandler(client);
        CompletableFuture<NatReport> f = NatProbe.probe(client, socket.localAddress(), servers, Set.of());
        assertThat(time.runUntil(f::isDone, 60_000)).isTrue();
        NatReport report = f.join();
        assertThat(report.mapping()).isEqualTo(expected);
        assertThat(report.udpWorks()).isEqualTo(expected != NatMapping.UDP_BLOCKED);
        if (expected == NatMapping.UDP_BLOCKED) {
            assertThat(report.observations()).allSatisfy(o -> assertThat(o.error()).contains("no response after 4 requests"));
            assertThat(time.nowMs()).isEqualTo(100 + 200 + 400 + 800L); // 3 retransmission gaps + Rm·RTO
        } else {
            assertThat(report.serverReflexive()).isPresent();
        }
    }

    @Test
    void classifyHandlesWildcardBindsAndSingleAnswers() throws Exception {
        InetSocketAddress wildcard = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 7000);
        InetAddress me = InetAddress.getByName("10.99.0.20");
        var s1 = new InetSocketAddress("10.99.0.11", 3478);
        var s2 = new InetSocketAddress("10.99.0.12", 3478);
        var own = new InetSocketAddress(me, 7000);
        var natted = new InetSocketAddress("10.99.0.31", 7000);
        assertThat(NatProbe.classify(wildcard, Set.of(me), List.of(obs(s1, own), obs(s2, own)))).isEqualTo(NatMapping.NO_NAT);
        assertThat(NatProbe.classify(wildcard, Set.of(me), List.of(obs(s1, natted), obs(s2, null)))).isEqualTo(NatMapping.UNKNOWN);
        // port preserved by the NAT but a different IP: still a NAT
        assertThat(NatProbe.classify(wildcard, Set.of(me), List.of(obs(s1, natted), obs(s2, natted)))).isEqualTo(NatMapping.ENDPOINT_INDEPENDENT);
    }

    private static NatReport.Observation obs(InetSocketAddress server, InetSocketAddress mapped) {
        return new NatReport.Observation(server, mapped, mapped == null ? -1 : 1, mapped == null ? "timeout" : null);
    }
}
