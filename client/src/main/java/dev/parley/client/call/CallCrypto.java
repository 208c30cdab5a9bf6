package dev.parley.client.call;

import dev.parley.protocol.CallSignalSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end-to-end state of one call on one side (docs/protocol.md "Sealed call signals", "Call keys
 * and SAS"): the peer's credential, the sequence numbers of both directions, this side's ephemeral
 * key share and, once both shares are known, the SRTP keys and SAS. Signals go out sealed to the
 * peer's certified key and signed by ours; signals come in only if they verify with the peer's
 * certified key, decrypt with ours, name us as recipient and carry a sequence number above every
 * one seen before. Engine thread only.
 */
final class CallCrypto {
    private static final Logger log = LoggerFactory.getLogger(CallCrypto.class);

    private final CallContext ctx;
    private final String callId;
    private final boolean caller;
    private final Credential own;
    private @Nullable Credential peer;
    private long nextSeq = 1;
    private long lastPeerSeq;
    private @Nullable X25519KeyPair share;
    private byte @Nullable [] peerCommitment;
    private CallKeys.@Nullable Secrets secrets;
    private byte @Nullable [] agreedPeerShare;
    private @Nullable CallSecurity security;

    /**
     * @param peer the peer's verified credential; none for a caller until the directory answered
     * @param lastPeerSeq the sequence number of the peer's signal already accepted (the INVITE), else 0
     */
    CallCrypto(CallContext ctx, String callId, boolean caller, @Nullable Credential peer, long lastPeerSeq) {
        this.ctx = ctx;
        this.callId = callId;
        this.caller = caller;
        this.own = ctx.settings().credential();
        this.peer = peer;
        this.lastPeerSeq = lastPeerSeq;
    }

    /**
     * Checks a call peer's credential as {@link CallSettings#verifyPeer} does, and that it certifies an
     * encryption key (a v1 credential cannot take part in an encrypted call).
     *
     * @throws ProtocolException {@code INVALID_CREDENTIAL} or {@code EXPIRED_CREDENTIAL}
     */
    static void verifyPeer(CallContext ctx, Credential credential, String expectedUser) throws ProtocolException {
        ctx.settings().verifyPeer(credential, expectedUser, ctx.runtime().wallClock().instant());
        Credentials.encryptionKey(credential);
    }

    /** Caller: the callee's credential from the directory, verified; a changed key is announced. */
    void peerFound(Credential credential, String peerName) throws ProtocolException {
        verifyPeer(ctx, credential, peerName);
        peer = credential;
        announceIfChanged(peerName);
    }

    /**
     * Caller: another device of the callee ({@link CallFork}), verified as {@link #peerFound}; compared
     * with the remembered devices when it answers ({@link #announceIfChanged}).
     */
    void peerDevice(Credential credential, String peerName) throws ProtocolException {
        verifyPeer(ctx, credential, peerName);
        peer = credential;
    }

    /**
     * Tells the listener (loudly) if the peer's identity key is none of its remembered devices' keys
     * (a device of a contact never met before: docs/security.md "Several devices").
     */
    void announceIfChanged(String peerName) {
        byte[] key = peer.getPublicKey().toByteArray();
        KeyMemory contacts = ctx.trust().contacts();
        if (!contacts.devices(peerName).isEmpty() && !contacts.knows(peerName, key)) {
            String now = CallKeys.fingerprint(key);
            log.warn("call {}: {} has a NEW DEVICE (key {}): verify the SAS with them", callId, peerName, now);
            ctx.listener().onPeerNewDevice(callId, peerName, now);
        }
    }

    boolean peerKnown() {
        return peer != null;
    }

    /** @return this side's raw ephemeral share for its INVITE or ACCEPT (created on first use) */
    byte[] ownShare() {
        if (share == null) {
            share = CallKeys.newShare(ctx.runtime().random());
        }
        return share.publicKey();
    }

    /** @return the commitment to this side's share, for the caller's INVITE */
    byte[] ownShareCommitment() {
        return CallKeys.commitment(ownShare());
    }

    /** Callee: the caller's commitment from the INVITE, kept until the share is revealed. */
    void peerCommitted(byte[] commitment) {
        peerCommitment = commitment.clone();
    }

    /**
     * Callee: the caller revealed its share; it must open the INVITE's commitment.
     *
     * @throws ProtocolException {@code BAD_REQUEST} if it does not, or as {@link #agree}
     */
    CallSecurity revealed(byte[] raw, String peerName) throws ProtocolException {
        if (peerCommitment == null || !MessageDigest.isEqual(CallKeys.commitment(raw), peerCommitment)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "key share does not match the INVITE's commitment");
        }
        return agree(raw, peerName);
    }

    /**
     * Derives the SRTP keys and SAS from the peer's share, remembers the peer's key and tells the listener.
     *
     * @param raw the peer's share (the callee's from the ACCEPT; the caller's revealed, see {@link #revealed})
     * @throws ProtocolException {@code BAD_REQUEST} if the share is missing or not a usable X25519 key
     */
    CallSecurity agree(byte @Nullable [] raw, String peerName) throws ProtocolException {
        if (raw == null || raw.length == 0) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "no key share (unencrypted calls are refused)");
        }
        byte[] mine = ownShare();
        Credential callerCredential = caller ? own : peer;
        Credential calleeCredential = caller ? peer : own;
        secrets = CallKeys.derive(caller, callId, callerCredential, calleeCredential, caller ? mine : raw, caller ? raw : mine,
                share);
        agreedPeerShare = raw.clone();
        ctx.trust().contacts().remember(peerName, peer.getPublicKey().toByteArray());
        security = new CallSecurity(secrets.sas(), CallKeys.SUITE, CallKeys.fingerprint(peer.getPublicKey().toByteArray()));
        ctx.listener().onSecured(callId, peerName, security);
        return security;
    }

    /** @return the peer's share the keys were agreed with; none before */
    byte @Nullable [] agreedPeerShare() {
        return agreedPeerShare == null ? null : agreedPeerShare.clone();
    }

    CallKeys.@Nullable Secrets secrets() {
        return secrets;
    }

    @Nullable CallSecurity security() {
        return security;
    }

    /**
     * Seals and signs an outgoing signal (the next sequence number); an INVITE carries our credential in clear.
     *
     * @return the signal to send; none while the peer's credential is unknown (a caller hanging up
     *     before the directory answered: the callee knows nothing of the call)
     */
    @Nullable CallSignal seal(CallSignal plain) {
        if (peer == null) {
            return null;
        }
        // to_device: the peer's super node pushes it to that device of the peer (several devices per account)
        return CallSignalSeals.seal(plain, nextSeq++, peer.getEncryptionKey().toByteArray(), ctx.trust().identity(),
                plain.hasInvite() ? own : null).toBuilder().setToDevice(peer.getPublicKey()).build();
    }

    /**
     * Verifies and opens a signal of this call from the peer.
     *
     * @return the signal in clear; none (logged) if it does not verify, does not decrypt, is not for
     *     us or replays an old sequence number: such a signal never changes the call
     */
    @Nullable CallSignal open(CallSignal wire) {
        if (peer == null) {
            ctx.drops().drop(callId, wire.getFrom(), "the peer's key is not known yet");
            return null;
        }
        try {
            return fresh(openFrom(ctx, wire, peer));
        } catch (ProtocolException e) {
            ctx.drops().drop(callId, wire.getFrom(), e.getMessage());
            return null;
        }
    }

    /**
     * Opens a signal if the peer (this device) sealed it, without logging one that is not its
     * (a forked call tries each device: {@link CallFork}).
     *
     * @return the signal in clear; none if another key signed it, or (logged) it replays an old sequence number
     */
    @Nullable CallSignal openIfFromPeer(CallSignal wire) {
        if (peer == null) {
            return null;
        }
        try {
            return fresh(openFrom(ctx, wire, peer));
        } catch (ProtocolException e) {
            return null;
        }
    }

    /** @return {@code s} if its sequence number is new (then remembered); none (logged) for a replay */
    private @Nullable CallSignal fresh(CallSignal s) {
        if (s.getSeq() <= lastPeerSeq) {
            ctx.drops().drop(callId, s.getFrom(), String.format("%s with sequence %d (expected: > %d): a replay or an old copy",
                    s.getKindCase(), s.getSeq(), lastPeerSeq));
            return null;
        }
        lastPeerSeq = s.getSeq();
        return s;
    }

    /** @return the peer's credential; none for a caller until the directory answered */
    @Nullable Credential peerCredential() {
        return peer;
    }

    /**
     * Opens a signal with the key of {@code sender}'s credential and ours, and checks it is addressed to us.
     *
     * @throws ProtocolException as {@link CallSignalSeals#open}; {@code BAD_REQUEST} if it names another recipient
     */
    static CallSignal openFrom(CallContext ctx, CallSignal wire, Credential sender) throws ProtocolException {
        CallSignal s = CallSignalSeals.open(wire, sender.getPublicKey().toByteArray(), ctx.trust().encryption());
        if (!s.getTo().equals(ctx.settings().self())) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "signal for '" + s.getTo() + "', not for us");
        }
        return s;
    }
}
