package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.MeshPing;
import dev.parley.protocol.wire.SuperNodeCertificate;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gossip is news first (docs/protocol.md "Peer table"): a peer's certificate new to a super node
 * rides its next {@link PeerTable#gossipRetransmits} messages; once the mesh is stable a message
 * carries one certificate at random, not five. Four super nodes and a fake peer that records the
 * pings it gets, on real loopback sockets; rounds run when the test runs them.
 */
class GossipNewsTest {
    @TempDir
    Path dir;
    @AutoClose
    Cluster cluster;
    @AutoClose
    FakePeer fake;

    @Test
    void newPeersAreGossipedFirstAndAStableMeshSendsOneCertificateAMessage() throws Exception {
        cluster = new Cluster(4, dir, List.of());
        fake = new FakePeer(cluster.clients, cluster.login);
        cluster.login.addPeer(fake.address);
        cluster.awaitDirectory(List.of(fake.address));
        InetSocketAddress sn0 = PeerTable.socketOf(cluster.node(0).advertisedAddress());

        cluster.meshRound();
        MeshPing first = pingsFrom(sn0).get(0);
        // sn0's own certificate (an introduction), then its news: every other super node, all new to it.
        assertThat(others(first, cluster.node(0).advertisedAddress())).as("news in sn0's first ping")
                .containsExactlyInAnyOrder(cluster.node(1).advertisedAddress(), cluster.node(2).advertisedAddress(),
                        cluster.node(3).advertisedAddress());

        for (int round = 0; round < 2 * PeerTable.gossipRetransmits(5); round++) {
            cluster.meshRound();
        }
        List<MeshPing> pings = pingsFrom(sn0);
        MeshPing last = pings.get(pings.size() - 1);
        assertThat(others(last, cluster.node(0).advertisedAddress())).as("a stable mesh: one certificate at random")
                .hasSize(MeshLiveness.RANDOM_GOSSIP_CERTIFICATES);
    }

    private List<MeshPing> pingsFrom(InetSocketAddress sender) {
        return fake.pings.stream().filter(e -> e.getKey().equals(sender)).map(Map.Entry::getValue).toList();
    }

    /** @return the addresses of the certificates in {@code ping} other than its sender's own */
    private static List<HostPort> others(MeshPing ping, HostPort self) {
        return ping.getCertificatesList().stream().map(SuperNodeCertificate::getAddress).map(HostPort::of)
                .filter(a -> !a.equals(self)).toList();
    }
}
