package dev.parley.nat.discovery;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Result of a {@link NatProbe}.
 *
 * @param mapping the classified mapping behaviour
 * @param localAddress the probing socket's local address (possibly a wildcard)
 * @param observations one per STUN server, in the order given
 */
public record NatReport(NatMapping mapping, InetSocketAddress localAddress, List<Observation> observations) {
    /** Copies the list. */
    public NatReport {
        observations = List.copyOf(observations);
    }

    /**
     * What one STUN server saw.
     *
     * @param server the STUN server
     * @param mapped the server-reflexive address it reported; absent if it did not answer
     * @param rttMs round-trip time of the answer, or -1
     * @param error why there is no answer (e.g. a timeout message); absent after an answer
     */
    public record Observation(InetSocketAddress server, @Nullable InetSocketAddress mapped, long rttMs, @Nullable String error) {}

    /** @return the first server-reflexive address learned, if any (the srflx candidate) */
    public Optional<InetSocketAddress> serverReflexive() {
        return observations.stream().map(Observation::mapped).filter(a -> a != null).findFirst();
    }

    /** @return true when UDP reached at least one server */
    public boolean udpWorks() {
        return mapping != NatMapping.UDP_BLOCKED;
    }
}
