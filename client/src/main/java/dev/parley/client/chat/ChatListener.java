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

    /** A new incoming message, in the sender's order. */
    default void onMessage(ChatMessage message) {}

    /** A receipt for an outgoing message: {@link MessageStatus#DELIVERED} or {@link MessageStatus#READ}. */
    default void onReceipt(String contact, String messageId, MessageStatus status) {}

    /** A contact's identity key differs from the one remembered: say so loudly (a new device, or someone between). */
    default void onContactKeyChanged(String contact) {}
}
