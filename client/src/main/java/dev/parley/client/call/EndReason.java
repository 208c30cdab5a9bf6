package dev.parley.client.call;

import java.util.Locale;

/** Why a call ended, from one side; {@link #text()} is what the user reads. */
public enum EndReason {
    /** We hung up an established call. */
    HUNG_UP("hung up"),
    /** The peer hung up an established call. */
    REMOTE_HUNG_UP("remote hung up"),
    /** We (the caller) hung up before the callee answered. */
    CANCELLED("cancelled"),
    /** The caller hung up while our phone was ringing: a missed call. */
    REMOTE_CANCELLED("missed call: the caller hung up"),
    /** Another device of our account answered the call that rang here (several devices per account): not a missed call. */
    ANSWERED_ELSEWHERE("answered on another device"),
    /** We declined the incoming call. */
    DECLINED("declined"),
    /** The callee declined our call. */
    REMOTE_DECLINED("declined by the callee"),
    /** The callee is in another call. */
    BUSY("busy"),
    /** We already are in a call (a second outgoing call was refused locally). */
    ALREADY_IN_CALL("already in a call"),
    /** The callee did not answer within the ring timeout. */
    NO_ANSWER("no answer"),
    /** We did not answer within the ring timeout: a missed call. */
    NOT_ANSWERED("missed call: not answered"),
    /** The callee has no account (the login server knows no such name): a typo? */
    NO_SUCH_USER("no such user"),
    /** A signal could not be delivered (the user is offline, or we have no super node). */
    UNREACHABLE("unreachable"),
    /** The peer's offer, answer or credential was invalid. */
    REFUSED("refused: invalid call setup"),
    /**
     * The peer's signals were not end-to-end protected as required: no key share, a key share that
     * is not a valid X25519 key, or a credential without a certified encryption key (no weaker fallback).
     */
    INSECURE("refused: no end-to-end encryption"),
    /** Our media could not be opened (socket, codec or audio device). */
    MEDIA_FAILED("media failed"),
    /** No candidate pair worked, relayed ones included. */
    NO_MEDIA_PATH("no media path"),
    /** The media path died mid-call and no new one was found in time. */
    MEDIA_LOST("media path lost"),
    /**
     * The peer's super node said the peer's connection dropped, and its media had stopped (docs/protocol.md "Peer gone").
     */
    PEER_LOST("the peer's connection was lost"),
    /** We called our own name. */
    CALLED_SELF("you cannot call yourself"),
    /** Our audio input ended (a played file is over): we hung up. */
    INPUT_ENDED("input ended");

    private final String text;

    EndReason(String text) {
        this.text = text;
    }

    /** @return the user-facing text, e.g. "declined by the callee" */
    public String text() {
        return text;
    }

    /** @return the name used in JSON reports, e.g. {@code remote_declined} */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
