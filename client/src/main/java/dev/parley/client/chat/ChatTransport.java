package dev.parley.client.chat;

import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.MailboxAck;
import dev.parley.protocol.wire.MailboxContents;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link ChatService} needs of the overlay: the client's current super-node session (each
 * future fails with the super node's {@code ProtocolException}, or an I/O error while rejoining).
 */
public interface ChatTransport {
    /** Sends a packet; completes when delivered to the recipient's super node or kept by a mailbox replica. */
    CompletableFuture<Void> send(ChatPacket packet);

    /** @return a page of this user's mailbox */
    CompletableFuture<MailboxContents> fetchMailbox();

    /** Deletes delivered packets from this user's mailbox replicas. */
    CompletableFuture<Void> ackMailbox(MailboxAck ack);

    /** Leaves the packets the super node routes when this session ends (the presence will). */
    CompletableFuture<Void> setWill(List<ChatPacket> will);

    /** @return the online user's credential from a verified search (login server's and the user's signatures) */
    CompletableFuture<Credential> lookup(String username);

    /**
     * @return the credentials of every online device of the user (several devices per account),
     *     newest first, at most 8, from a verified search; exceptionally as {@link #lookup}
     */
    default CompletableFuture<List<Credential>> devicesOf(String username) {
        return lookup(username).thenApply(List::of);
    }
}
