package dev.parley.client;

import dev.parley.client.call.PeerDirectory;
import dev.parley.client.chat.ChatTransport;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.MailboxAck;
import dev.parley.protocol.wire.MailboxContents;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The chat service's view of the overlay: the current super-node session (failing with an
 * {@code IOException} while rejoining: the outbox retries) and the verified search.
 */
final class SessionChat implements ChatTransport {
    private final SessionKeeper session;
    private final PeerDirectory directory;

    SessionChat(SessionKeeper session, PeerDirectory directory) {
        this.session = session;
        this.directory = directory;
    }

    @Override
    public CompletableFuture<Void> send(ChatPacket packet) {
        return session.require().thenCompose(s -> s.chat(packet));
    }

    @Override
    public CompletableFuture<MailboxContents> fetchMailbox() {
        return session.require().thenCompose(SuperNodeSession::fetchMailbox);
    }

    @Override
    public CompletableFuture<Void> ackMailbox(MailboxAck ack) {
        return session.require().thenCompose(s -> s.ackMailbox(ack));
    }

    @Override
    public CompletableFuture<Void> setWill(List<ChatPacket> will) {
        return session.require().thenCompose(s -> s.setWill(will));
    }

    @Override
    public CompletableFuture<Credential> lookup(String username) {
        return directory.credentialOf(username);
    }

    @Override
    public CompletableFuture<List<Credential>> devicesOf(String username) {
        return directory.devicesOf(username);
    }
}
