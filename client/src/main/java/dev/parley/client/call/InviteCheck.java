package dev.parley.client.call;

import dev.parley.protocol.Credentials;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Invite;

/**
 * The checks of a possible INVITE, before anything answers it (docs/protocol.md "Sealed call
 * signals"): the caller's credential, the signature, the decryption, the date and the call id not
 * seen before; then its offer (a usable media description and a 32-byte key share commitment).
 */
final class InviteCheck {
    private InviteCheck() {}

    /**
     * @return the opened INVITE
     * @throws ProtocolException if any check fails: the signal is dropped unanswered
     */
    static CallSignal open(CallContext ctx, CallSignal wire, RecentInvites recent) throws ProtocolException {
        Credential credential = wire.getSenderCredential();
        CallCrypto.verifyPeer(ctx, credential, wire.getFrom());
        CallSignal s = CallCrypto.openFrom(ctx, wire, credential);
        if (!s.hasInvite()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, s.getKindCase() + " for an unknown call");
        }
        long ageMs = Math.abs(ctx.runtime().wallClock().millis() - s.getInvite().getSentAtMs());
        if (ageMs > Credentials.CLOCK_SKEW.toMillis()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "INVITE sent %d ms from now (expected: <= %d): a replay?", ageMs, Credentials.CLOCK_SKEW.toMillis()));
        }
        if (!recent.add(s.getCallId(), ctx.runtime().nowMs().getAsLong())) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "INVITE of a call already seen: a replay");
        }
        return s;
    }

    /**
     * @throws ProtocolException if the offer is unusable or not end-to-end protected: the caller is
     *     answered with a sealed REJECT and the call never rings
     */
    static void offer(Invite invite) throws ProtocolException {
        MediaDescriptions.remoteAddress(invite.getMedia());
        int hashBytes = invite.getKeyShareHash().size();
        if (hashBytes == 0) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "no key share (unencrypted calls are refused)");
        }
        if (hashBytes != X25519KeyPair.KEY_BYTES) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "key share commitment: %d bytes (expected: %d)", hashBytes, X25519KeyPair.KEY_BYTES));
        }
    }
}
