package dev.parley.client.call;

import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Busy;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Reject;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link CallEngine}'s intake of call signals pushed by the super node: only sealed, signed
 * signals count (no weaker fallback, docs/protocol.md "Sealed call signals"). One of a known call
 * from that call's peer goes to its {@link CallSession}, which verifies and opens it; one that
 * carries a credential may be a new INVITE, verified ({@link InviteCheck}: credential, signature,
 * decryption, date, call id not seen before) before anything answers it; it then rings, waits
 * (call waiting) or is answered BUSY. Anything else is dropped ({@link SignalDrops}). Engine thread only.
 */
final class IncomingSignals {
    private static final Logger log = LoggerFactory.getLogger(IncomingSignals.class);

    private final CallSlots slots;
    private final Consumer<CallSession> track;
    private final RecentInvites recentInvites = new RecentInvites();

    /**
     * @param slots the engine's calls: a new call takes the current or the waiting slot
     * @param track called with every call this intake starts (the engine frees its slot when it ends)
     */
    IncomingSignals(CallSlots slots, Consumer<CallSession> track) {
        this.slots = slots;
        this.track = track;
    }

    /** Routes {@code wire}, from the super node, with the engine's current context. */
    void route(CallContext ctx, CallSignal wire) {
        if (wire.getSealed().isEmpty() || wire.getSignature().isEmpty()) {
            ctx.drops().drop(wire.getCallId(), wire.getFrom(), "unsealed " + wire.getKindCase()
                    + " (unencrypted signals are refused)");
            return;
        }
        CallSession call = slots.byId(wire.getCallId());
        if (call != null) {
            if (call.peer.equals(wire.getFrom())) {
                call.onSealed(wire);
            } else {
                ctx.drops().drop(wire.getCallId(), wire.getFrom(), "the sender is not in this call");
            }
            return;
        }
        if (!wire.hasSenderCredential()) {
            ctx.drops().drop(wire.getCallId(), wire.getFrom(), "not an INVITE, and for no current call");
            return;
        }
        onInvite(ctx, wire);
    }

    /** A possible INVITE: verified before anything is answered; rings, waits (call waiting) or is answered BUSY. */
    private void onInvite(CallContext ctx, CallSignal wire) {
        String caller = wire.getFrom();
        CallSignal s;
        try {
            s = InviteCheck.open(ctx, wire, recentInvites);
        } catch (ProtocolException e) {
            ctx.drops().drop(wire.getCallId(), caller, e.getMessage());
            return;
        }
        CallCrypto crypto = new CallCrypto(ctx, s.getCallId(), false, s.getSenderCredential(), s.getSeq());
        CallSession busyWith = slots.current() != null ? slots.current() : slots.held();
        if (busyWith != null && !slots.canWait()) {
            ctx.signaller().apply(crypto.seal(ctx.signal(s.getCallId(), caller).setBusy(Busy.getDefaultInstance()).build()));
            ctx.listener().onMissedCall(caller, ctx.runtime().wallClock().millis(),
                    "you were in a call with " + busyWith.peer + " (answered busy)");
            return;
        }
        try {
            InviteCheck.offer(s.getInvite());
        } catch (ProtocolException e) {
            log.warn("refusing call {} from {}: {}", s.getCallId(), caller, e.getMessage());
            ctx.signaller().apply(crypto.seal(ctx.signal(s.getCallId(), caller)
                    .setReject(Reject.newBuilder().setReason("refused: " + e.getMessage())).build()));
            return;
        }
        crypto.peerCommitted(s.getInvite().getKeyShareHash().toByteArray());
        crypto.announceIfChanged(caller);
        if (busyWith != null) {
            CallSession waiting = CalleeSteps.incoming(ctx, s.getCallId(), caller, s.getInvite().getMedia(), crypto, true);
            if (!waiting.ended()) {
                slots.setWaiting(waiting);
                ctx.listener().onCallWaiting(waiting.id, caller, busyWith.peer);
            }
            track.accept(waiting);
            return;
        }
        CallSession call = CalleeSteps.incoming(ctx, s.getCallId(), caller, s.getInvite().getMedia(), crypto, false);
        if (!call.ended()) {
            slots.setCurrent(call);
        }
        track.accept(call);
    }
}
