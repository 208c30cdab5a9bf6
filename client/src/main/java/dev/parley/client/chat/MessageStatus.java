package dev.parley.client.chat;

/** Where a message stands: outgoing ones move QUEUED → SENT → DELIVERED → READ, incoming ones RECEIVED → READ. */
public enum MessageStatus {
    /** In the outbox; not yet accepted by a super node. */
    QUEUED,
    /** Accepted by the network: pushed to the recipient's super node, or kept by a mailbox replica. */
    SENT,
    /** The recipient's client has it (delivery receipt). */
    DELIVERED,
    /** Read by the recipient (read receipt), or, for an incoming message, by this user. */
    READ,
    /** An incoming message not yet read. */
    RECEIVED
}
