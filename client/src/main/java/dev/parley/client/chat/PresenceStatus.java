package dev.parley.client.chat;

import dev.parley.protocol.wire.PresenceState;

/** A user's presence as shown to contacts ({@link #INVISIBLE} is only ever one's own: contacts see it as offline). */
public enum PresenceStatus {
    ONLINE, AWAY, BUSY, INVISIBLE, OFFLINE;

    /** @return what contacts are told */
    PresenceState wire() {
        return switch (this) {
            case ONLINE -> PresenceState.PRESENCE_ONLINE;
            case AWAY -> PresenceState.PRESENCE_AWAY;
            case BUSY -> PresenceState.PRESENCE_BUSY;
            case INVISIBLE, OFFLINE -> PresenceState.PRESENCE_OFFLINE;
        };
    }

    static PresenceStatus of(PresenceState s) {
        return switch (s) {
            case PRESENCE_ONLINE -> ONLINE;
            case PRESENCE_AWAY -> AWAY;
            case PRESENCE_BUSY -> BUSY;
            default -> OFFLINE;
        };
    }
}
