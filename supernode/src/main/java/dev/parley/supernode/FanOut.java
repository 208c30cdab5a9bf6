package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.wire.ChatPacket;
import java.util.HashSet;
import java.util.Set;

/**
 * The copies of one chat packet a sender fans out to the devices of one recipient (docs/protocol.md
 * "Several devices"): the same message id, each copy naming another device. Contact-request limits
 * count a request once, not once per copy; a copy for a device already seen (a resend) or beyond
 * the {@value ChatSeals#MAX_SYNCED_DEVICES} devices an account has counts again. Mutable; one owner.
 */
final class FanOut {
    /** Before any request. */
    static final FanOut NONE = new FanOut(ByteString.EMPTY, ByteString.EMPTY);

    private final String to;
    private final ByteString messageId;
    private final Set<ByteString> devices = new HashSet<>();

    private FanOut(ByteString messageId, ByteString device) {
        this("", messageId, device);
    }

    private FanOut(String to, ByteString messageId, ByteString device) {
        this.to = to;
        this.messageId = messageId;
        devices.add(device);
    }

    /** @return the copies of {@code packet}'s request so far: that one */
    static FanOut first(ChatPacket packet) {
        return new FanOut(packet.getTo(), packet.getMessageId(), packet.getRecipientDevice());
    }

    /**
     * @return true (and remembers it) if {@code packet} is a copy of this request for a device not
     *     seen yet, within the device bound: it costs nothing more
     */
    boolean another(ChatPacket packet) {
        return this != NONE && packet.getTo().equals(to) && packet.getMessageId().equals(messageId)
                && devices.size() < ChatSeals.MAX_SYNCED_DEVICES && devices.add(packet.getRecipientDevice());
    }
}
