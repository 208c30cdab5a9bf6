package dev.parley.supernode.store;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sealed chat packets this super node keeps for offline recipients, as one of their mailbox
 * replicas (docs/protocol.md "Mailboxes"). Only ciphertext: packets are kept and handed out as
 * they came. Bounded per recipient, per sender and in bytes; a packet expires after
 * {@link Limits#ttl()}; a second copy of a message id is a no-op.
 *
 * <p>Not thread-safe: one owner (the super node's chat executor).
 */
public final class Mailboxes {
    /**
     * @param perRecipient packets kept for one recipient
     * @param perSender packets kept from one sender (all recipients together)
     * @param totalBytes serialized packet bytes kept in all
     * @param ttl how long a packet is kept
     */
    public record Limits(int perRecipient, int perSender, long totalBytes, Duration ttl) {
        /** 1,000 per recipient, 200 per sender, 128 MiB in all, 30 days. */
        public static final Limits DEFAULTS = new Limits(1_000, 200, 128L << 20, Duration.ofDays(30));
    }

    /** One page of a recipient's packets, oldest first. */
    public record Page(List<ChatPacket> packets, boolean more) {}

    private record Entry(ChatPacket packet, long storedAtMs, int bytes) {}

    private final Limits limits;
    private final Map<String, LinkedHashMap<ByteString, Entry>> byRecipient = new HashMap<>();
    private final Map<String, Integer> bySender = new HashMap<>();
    private long bytes;
    private int count;

    /** @param limits the bounds ({@link Limits#DEFAULTS} in production) */
    public Mailboxes(Limits limits) {
        this.limits = limits;
    }

    /**
     * Keeps a packet (its shape and signature already checked).
     *
     * @return true if kept, false if a packet with its message id is already kept for the recipient
     * @throws ProtocolException {@link ErrorCode#MAILBOX_FULL} when a bound is reached
     */
    public boolean put(ChatPacket packet, long nowMs) throws ProtocolException {
        LinkedHashMap<ByteString, Entry> box = byRecipient.get(packet.getTo());
        if (box != null && box.containsKey(packet.getMessageId())) {
            return false;
        }
        int size = packet.getSerializedSize();
        if (box != null && box.size() >= limits.perRecipient()) {
            throw full("mailbox of '%s': %d packets (expected: <= %d)", packet.getTo(), box.size(), limits.perRecipient());
        }
        int fromSender = bySender.getOrDefault(packet.getFrom(), 0);
        if (fromSender >= limits.perSender()) {
            throw full("packets kept from '%s': %d (expected: <= %d)", packet.getFrom(), fromSender, limits.perSender());
        }
        if (bytes + size > limits.totalBytes()) {
            throw full("mailboxes: %d bytes (expected: <= %d)", bytes + size, limits.totalBytes());
        }
        byRecipient.computeIfAbsent(packet.getTo(), k -> new LinkedHashMap<>()).put(packet.getMessageId(),
                new Entry(packet, nowMs, size));
        bySender.merge(packet.getFrom(), 1, Integer::sum);
        bytes += size;
        count++;
        return true;
    }

    private static ProtocolException full(String format, Object... args) {
        return new ProtocolException(ErrorCode.MAILBOX_FULL, String.format(format, args));
    }

    /**
     * @param maxBytes serialized bytes to return at most (at least one packet if any is kept)
     * @return the recipient's oldest unexpired packets
     */
    public Page fetch(String recipient, int maxBytes, long nowMs) {
        expire(nowMs);
        LinkedHashMap<ByteString, Entry> box = byRecipient.get(recipient);
        List<ChatPacket> out = new ArrayList<>();
        if (box == null) {
            return new Page(out, false);
        }
        int total = 0;
        for (Entry e : box.values()) {
            if (!out.isEmpty() && total + e.bytes() > maxBytes) {
                return new Page(out, true);
            }
            out.add(e.packet());
            total += e.bytes();
        }
        return new Page(out, false);
    }

    /** @return how many of {@code ids} were deleted from the recipient's mailbox */
    public int delete(String recipient, List<ByteString> ids) {
        LinkedHashMap<ByteString, Entry> box = byRecipient.get(recipient);
        if (box == null) {
            return 0;
        }
        int deleted = 0;
        for (ByteString id : ids) {
            Entry e = box.remove(id);
            if (e != null) {
                forget(e);
                deleted++;
            }
        }
        if (box.isEmpty()) {
            byRecipient.remove(recipient);
        }
        return deleted;
    }

    /** Drops every packet older than the TTL. @return how many */
    public int expire(long nowMs) {
        long oldest = nowMs - limits.ttl().toMillis();
        int dropped = 0;
        for (Iterator<LinkedHashMap<ByteString, Entry>> boxes = byRecipient.values().iterator(); boxes.hasNext(); ) {
            LinkedHashMap<ByteString, Entry> box = boxes.next();
            for (Iterator<Entry> it = box.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.storedAtMs() >= oldest) {
                    break; // insertion order is storage order
                }
                it.remove();
                forget(e);
                dropped++;
            }
            if (box.isEmpty()) {
                boxes.remove();
            }
        }
        return dropped;
    }

    private void forget(Entry e) {
        bySender.computeIfPresent(e.packet().getFrom(), (k, n) -> n > 1 ? n - 1 : null);
        bytes -= e.bytes();
        count--;
    }

    /** @return packets kept */
    public int size() {
        return count;
    }

    /** @return packets kept for {@code recipient} */
    public int size(String recipient) {
        LinkedHashMap<ByteString, Entry> box = byRecipient.get(recipient);
        return box == null ? 0 : box.size();
    }

    /** @return serialized bytes kept */
    public long bytes() {
        return bytes;
    }
}
