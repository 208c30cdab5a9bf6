package dev.parley.login;

import com.google.protobuf.CodedOutputStream;
import dev.parley.protocol.ControlPipeline;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.protocol.wire.SuperNodeDirectory;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import io.netty.channel.ChannelHandlerContext;
import java.time.Instant;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One login-server connection's super-node heartbeats: accepted only from a connection that was
 * issued a current super-node certificate ({@code EnrollSuperNode} / {@code RenewSuperNode} on it:
 * proof of possession of the node key) and only for the address that certificate names; each
 * accepted heartbeat is answered with a {@code SuperNodeDirectory} of as many live certified super
 * nodes as fit in one frame ({@link ControlPipeline#DEFAULT_MAX_FRAME_BYTES}, less 1,024 bytes for
 * the envelope). Refusals: Error INVALID_CREDENTIAL, EXPIRED_CREDENTIAL (certificate past its
 * {@code expires_at_ms}) or BAD_REQUEST ({@link LoginHandler#validSuperNodeAddress}); the directory
 * is then unchanged.
 *
 * <p>Confined to the connection's event loop, like the {@link LoginHandler} that owns it.
 */
final class CertifiedHeartbeats {
    private static final Logger log = LoggerFactory.getLogger(LoginHandler.class); // the connection's log
    /** Room left in a frame for the envelope around the directory's addresses, in bytes. */
    private static final int DIRECTORY_BUDGET_BYTES = ControlPipeline.DEFAULT_MAX_FRAME_BYTES - 1024;

    private final SuperNodeRegistry directory;
    private final SuperNodeLinks links;
    private final InstantSource clock;
    /** The certificate last issued on this connection: it proved possession of the node key here. */
    private @Nullable SuperNodeCertificate certified; // event loop only

    CertifiedHeartbeats(SuperNodeRegistry directory, SuperNodeLinks links, InstantSource clock) {
        this.directory = directory;
        this.links = links;
        this.clock = clock;
    }

    /** Records {@code response}'s certificate, if it carries one, as this connection's (event loop only). */
    void issued(Envelope response) {
        if (response.hasSupernodeCertificate()) {
            certified = response.getSupernodeCertificate(); // proof of possession passed on this connection
        }
    }

    /** Answers one heartbeat with the directory, or with the refusal's error. */
    void heartbeat(ChannelHandlerContext ctx, long id, SuperNodeHeartbeat beat) {
        Address address = beat.getAddress();
        HostPort superNode;
        try {
            superNode = LoginHandler.validSuperNodeAddress(address);
            checkCertified(address);
        } catch (ProtocolException e) {
            log.info("heartbeat refused from {}: {}", ctx.channel().remoteAddress(),
                    LoginHandler.printable(e.getMessage(), 256));
            ctx.writeAndFlush(Envelopes.error(id, e));
            return;
        }
        directory.heartbeat(superNode, certified);
        links.heard(superNode, ctx.channel(), certified, beat, clock.millis());
        // The directory may hold more super nodes than one frame can carry: send the freshest that fit.
        SuperNodeDirectory.Builder reply = SuperNodeDirectory.newBuilder();
        int bytes = 0;
        for (SuperNodeCertificate c : directory.liveCertificates(Integer.MAX_VALUE)) {
            bytes += CodedOutputStream.computeMessageSize(SuperNodeDirectory.SUPER_NODES_FIELD_NUMBER, c.getAddress())
                    + CodedOutputStream.computeMessageSize(SuperNodeDirectory.CERTIFICATES_FIELD_NUMBER, c);
            if (bytes > DIRECTORY_BUDGET_BYTES) {
                break;
            }
            reply.addSuperNodes(c.getAddress()).addCertificates(c);
        }
        ctx.writeAndFlush(Envelopes.builder(id).setSupernodeDirectory(reply).build());
    }

    /** @throws ProtocolException unless this connection holds a current certificate naming {@code address} */
    private void checkCertified(Address address) throws ProtocolException {
        SuperNodeCertificate c = certified;
        if (c == null) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "heartbeat from a connection without a super-node"
                    + " certificate (expected: EnrollSuperNode or RenewSuperNode on this connection first)");
        }
        if (clock.millis() > c.getExpiresAtMs()) {
            throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL, "super-node certificate expired at "
                    + Instant.ofEpochMilli(c.getExpiresAtMs()) + "; renew it (RenewSuperNode)");
        }
        if (!c.getAddress().equals(address)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL, String.format(
                    "heartbeat address %s:%d is not the certified one %s:%d", address.getHost(), address.getPort(),
                    c.getAddress().getHost(), c.getAddress().getPort()));
        }
    }
}
