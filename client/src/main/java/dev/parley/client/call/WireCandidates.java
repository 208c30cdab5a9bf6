package dev.parley.client.call;

import com.google.protobuf.ByteString;
import dev.parley.nat.ice.Candidate;
import dev.parley.nat.ice.CandidateType;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Candidate.Type;
import dev.parley.protocol.wire.MediaDescription;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Candidates between the wire ({@code MediaDescription}'s protobuf candidates) and ICE ({@link Candidate}). */
final class WireCandidates {
    private WireCandidates() {}

    /**
     * Converts the peer's candidates; relayed candidates are kept only when we are latched at that
     * relay too (the relay forwards only between its two parties). Unresolvable ones are skipped.
     */
    static List<Candidate> remoteCandidates(MediaDescription remote, boolean haveRelay) {
        List<Candidate> out = new ArrayList<>();
        for (var c : remote.getCandidatesList()) {
            CandidateType type = switch (c.getType()) {
                case HOST -> CandidateType.HOST;
                case SERVER_REFLEXIVE -> CandidateType.SERVER_REFLEXIVE;
                case RELAYED -> CandidateType.RELAYED;
                default -> null;
            };
            if (type == null || (type == CandidateType.RELAYED && !haveRelay)) {
                continue;
            }
            Address a = c.getAddress();
            if (a.getHost().isBlank() || a.getPort() <= 0 || a.getPort() > 65535) {
                continue;
            }
            try {
                InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(a.getHost()), a.getPort());
                long priority = Integer.toUnsignedLong(c.getPriority());
                out.add(new Candidate(type, address, priority == 0 ? Candidate.priority(type, 0) : priority));
            } catch (UnknownHostException | IllegalArgumentException e) {
                // skipped: a bad candidate must not break the others
            }
        }
        return out;
    }

    /** Adds our ICE fields to a media description. */
    static MediaDescription.Builder describe(MediaDescription.Builder b, IceAgent.Local local, @Nullable RelayPass relayPassForPeer) {
        b.clearCandidates();
        for (Candidate c : local.advertised()) {
            // Type is the wire candidate's type (imported as the nested type: nat's Candidate is the one imported).
            b.addCandidatesBuilder()
                    .setType(switch (c.type()) {
                        case HOST -> Type.HOST;
                        case RELAYED -> Type.RELAYED;
                        default -> Type.SERVER_REFLEXIVE;
                    })
                    .setAddress(new HostPort(c.address().getAddress().getHostAddress(), c.address().getPort()).toAddress())
                    .setPriority((int) c.priority());
        }
        b.setIceUfrag(local.credentials().ufrag()).setIcePassword(local.credentials().password())
                .setUdpBlocked(local.udpBlocked());
        if (relayPassForPeer != null) {
            b.setRelayToken(ByteString.copyFrom(relayPassForPeer.token())).setRelayKey(ByteString.copyFrom(relayPassForPeer.key()));
        }
        return b;
    }
}
