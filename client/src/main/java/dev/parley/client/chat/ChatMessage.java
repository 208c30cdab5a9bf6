package dev.parley.client.chat;

/**
 * One instant message of a conversation.
 *
 * @param id the message id (32 hex digits), the same on both sides
 * @param peer the other user of the conversation
 * @param outgoing sent by this user
 * @param seq the sender's sequence number in this conversation (1, 2, …)
 * @param text the text
 * @param sentAtMs the sender's clock when sent, epoch ms
 * @param status delivery state
 */
public record ChatMessage(String id, String peer, boolean outgoing, long seq, String text, long sentAtMs,
        MessageStatus status) {}
