package dev.parley.nat.discovery;

import dev.parley.nat.stun.StunClient;
import dev.parley.nat.stun.StunResponse;
import dev.parley.protocol.Futures;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * NAT behaviour discovery: one Binding transaction from the same socket to each of (at least) two
 * STUN servers, in parallel, then {@link #classify}. In the spirit of RFC 5780 §4.3 test II, but
 * with two ordinary servers (two super nodes) instead of one server with an alternate address:
 * the servers should have different IP addresses, otherwise only port-dependence is detected.
 */
public final class NatProbe {
    private NatProbe() {}

    /**
     * Probes. Call on the client's thread (the transport's event loop).
     *
     * @param client STUN client on the socket to probe (its transaction timing bounds the probe)
     * @param localAddress the socket's local address (a wildcard is compared against {@code localIps})
     * @param servers two or more STUN servers
     * @param localIps this host's IP addresses (see {@link #interfaceAddresses()})
     * @return completes with the report; never exceptionally
     */
    public static CompletableFuture<NatReport> probe(StunClient client, InetSocketAddress localAddress,
            List<InetSocketAddress> servers, Set<InetAddress> localIps) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("servers: 0 (expected: >= 1, 2 to classify the mapping)");
        }
        List<CompletableFuture<NatReport.Observation>> probes = new ArrayList<>();
        for (InetSocketAddress server : servers) {
            probes.add(client.binding(server).handle((StunResponse r, Throwable e) -> observe(server, r, e)));
        }
        return CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<NatReport.Observation> obs = probes.stream().map(CompletableFuture::join).toList();
            return new NatReport(classify(localAddress, localIps, obs), localAddress, obs);
        });
    }

    private static NatReport.Observation observe(InetSocketAddress server, StunResponse r, Throwable e) {
        if (e != null) {
            Throwable cause = Futures.unwrap(e);
            return new NatReport.Observation(server, null, -1, cause.getMessage());
        }
        if (!r.isSuccess() || r.mappedAddress().isEmpty()) {
            return new NatReport.Observation(server, null, r.rttMs(), "error response " + r.errorCode());
        }
        return new NatReport.Observation(server, r.mappedAddress().get(), r.rttMs(), null);
    }

    /**
     * Classifies: no answer → {@link NatMapping#UDP_BLOCKED}; every answer equal to a local
     * address and the local port → {@link NatMapping#NO_NAT}; two or more answers all equal →
     * {@link NatMapping#ENDPOINT_INDEPENDENT}, different → {@link NatMapping#ENDPOINT_DEPENDENT};
     * a single answer through a NAT → {@link NatMapping#UNKNOWN}.
     *
     * @param localAddress the probing socket's address
     * @param localIps this host's addresses (used when the socket is bound to a wildcard)
     * @param observations what each server saw
     * @return the mapping behaviour
     */
    public static NatMapping classify(InetSocketAddress localAddress, Set<InetAddress> localIps, List<NatReport.Observation> observations) {
        List<InetSocketAddress> mapped = observations.stream().map(NatReport.Observation::mapped).filter(a -> a != null).toList();
        if (mapped.isEmpty()) {
            return NatMapping.UDP_BLOCKED;
        }
        boolean allLocal = mapped.stream().allMatch(m -> m.getPort() == localAddress.getPort()
                && (m.getAddress().equals(localAddress.getAddress()) || localIps.contains(m.getAddress())));
        if (allLocal) {
            return NatMapping.NO_NAT;
        }
        if (mapped.size() < 2) {
            return NatMapping.UNKNOWN;
        }
        return new HashSet<>(mapped).size() == 1 ? NatMapping.ENDPOINT_INDEPENDENT : NatMapping.ENDPOINT_DEPENDENT;
    }

    /** @return the IP addresses of this host's interfaces (empty if they cannot be listed) */
    public static Set<InetAddress> interfaceAddresses() {
        Set<InetAddress> out = new HashSet<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                out.addAll(Collections.list(nif.getInetAddresses()));
            }
        } catch (SocketException e) {
            return Set.of();
        }
        return out;
    }
}
