package dev.parley.client.chat;

/**
 * A presence: status and an optional status text (≤ 200 characters, "" for none).
 *
 * @param status the status
 * @param text the status text
 */
public record Presence(PresenceStatus status, String text) {
    /** What a contact not heard from shows. */
    public static final Presence OFFLINE = new Presence(PresenceStatus.OFFLINE, "");
}
