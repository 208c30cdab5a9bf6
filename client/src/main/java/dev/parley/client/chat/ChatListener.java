package dev.parley.client.chat;

/**
 * What {@link ChatService} tells the shell; every method has a no-op default. Called on the chat
 * thread, one event at a time: hand long work off, and never wait there for a {@code ChatService}
 * future (it completes on that same thread).
 */
public interface ChatListener {
    /** {@code from} asks to become a contact; answer with {@link ChatService#answerContact}. */
    default void onContactRequest(String from, String text) {}

    /** {@code contact} answered this user's request. */
    default void onContactAnswered(String contact, boolean accepted) {}

    /** An accepted contact's presence changed (pushed by it, or its super node's notice that it left). */
    default void onPresence(String contact, Presence presence) {}

    /** A contact accepted on another device of this account (a sibling's sync). */
    default void onContactAddedElsewhere(String contact) {}

    /**
     * A new message, in the sender's order: incoming, or {@link ChatMessage#outgoing() outgoing} when
     * another device of this account sent it (a sibling's sync).
     */
    default void onMessage(ChatMessage message) {}

    /** A receipt for an outgoing message: {@link MessageStatus#DELIVERED} or {@link MessageStatus#READ}. */
    default void onReceipt(String contact, String messageId, MessageStatus status) {}

    /**
     * A packet came from a device of a known contact whose key is none of the keys remembered for
     * it: say so loudly (a new device of the contact's account, or someone in the middle holding
     * the login server's key: docs/security.md "Several devices").
     *
     * @param fingerprint the new device key's fingerprint ({@code CallKeys.fingerprint})
     */
    default void onContactNewDevice(String contact, String fingerprint) {}
}
