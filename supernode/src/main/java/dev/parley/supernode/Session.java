package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.PresenceRecord;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/**
 * A client registered on this super node: its canonical username, its control connection and the
 * presence record published for it.
 *
 * <p>Immutable; equality is identity, so the presence index can remove exactly the session a
 * closing connection owned and never a newer one of the same user.
 */
final class Session {
    private final String username;
    private final Channel channel;
    private final PresenceRecord record;

    /**
     * @param username canonical username (equals the credential's)
     * @param channel the client's control connection
     * @param record the presence record answered to searches
     */
    Session(String username, Channel channel, PresenceRecord record) {
        this.username = username;
        this.channel = channel;
        this.record = record;
    }

    String username() {
        return username;
    }

    Channel channel() {
        return channel;
    }

    PresenceRecord record() {
        return record;
    }

    /** @return the device's id: its credential's Ed25519 public key (32 bytes; one key per device) */
    ByteString device() {
        return record.getCredential().getPublicKey();
    }

    /** Writes an envelope to the client; safe from any thread (Netty queues it on the channel's loop). */
    ChannelFuture push(Envelope envelope) {
        return channel.writeAndFlush(envelope);
    }

    @Override
    public String toString() {
        return "Session[" + username + " @ " + channel.remoteAddress() + "]";
    }
}
