package dev.parley.supernode.store;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ChatSeals;
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
 * {@link Limits#ttl()}. A packet to a user with several devices comes once per device (the same
 * message id, each copy sealed to one device and naming it in {@code recipient_device}): copies are
 * kept per (message id, device), at most {@value #MAX_COPIES} per message id (the most devices an
 * account has), handed to and deleted by their device only; a second copy for the same device is a no-op.
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

    /** Copies of one message id kept for one recipient at most: one per device ({@code PresenceIndex.MAX_DEVICES}). */
    public static final int MAX_COPIES = ChatSeals.MAX_SYNCED_DEVICES;

    private record Entry(ChatPacket packet, long storedAtMs, int bytes) {}

    /** A copy's key: its message id and the device it is sealed to (empty: none named). */
    private record Key(ByteString messageId, ByteString device) {}

    /** One recipient's packets in storage order, and how many copies of each message id. */
    private static final class Box {
        final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>();
        final Map<ByteString, Integer> copies = new HashMap<>();

        void remove(Key key) {
            copies.computeIfPresent(key.messageId(), (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    private final Limits limits;
    private final Map<String, Box> byRecipient = new HashMap<>();
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
     * @return true if kept, false if a packet with its message id is already kept for the recipient's device
     * @throws ProtocolException {@link ErrorCode#MAILBOX_FULL} when a bound is reached (also: a
     *     {@value #MAX_COPIES}th copy of one message id for another device)
     */
    public boolean put(ChatPacket packet, long nowMs) throws ProtocolException {
        Box box = byRecipient.get(packet.getTo());
        Key key = new Key(packet.getMessageId(), packet.getRecipientDevice());
        if (box != null && box.entries.containsKey(key)) {
            return false;
        }
        int size = packet.getSerializedSize();
        if (box != null && box.entries.size() >= limits.perRecipient()) {
            throw full("mailbox of '%s': %d packets (expected: <= %d)", packet.getTo(), box.entries.size(), limits.perRecipient());
        }
        int copies = box == null ? 0 : box.copies.getOrDefault(key.messageId(), 0);
        if (copies >= MAX_COPIES) { // a sender naming many devices cannot multiply what one message costs
            throw full("copies of one message for '%s': %d (expected: <= %d, one per device)", packet.getTo(), copies + 1, MAX_COPIES);
        }
        int fromSender = bySender.getOrDefault(packet.getFrom(), 0);
        if (fromSender >= limits.perSender()) {
            throw full("packets kept from '%s': %d (expected: <= %d)", packet.getFrom(), fromSender, limits.perSender());
        }
        if (bytes + size > limits.totalBytes()) {
            throw full("mailboxes: %d bytes (expected: <= %d)", bytes + size, limits.totalBytes());
        }
        Box b = byRecipient.computeIfAbsent(packet.getTo(), k -> new Box());
        b.entries.put(key, new Entry(packet, nowMs, size));
        b.copies.merge(key.messageId(), 1, Integer::sum);
        bySender.merge(packet.getFrom(), 1, Integer::sum);
        bytes += size;
        count++;
        return true;
    }

    private static ProtocolException full(String format, Object... args) {
        return new ProtocolException(ErrorCode.MAILBOX_FULL, String.format(format, args));
    }

    /**
     * @param device the fetching device's id (its raw Ed25519 key): only copies sealed to it or naming
     *     no device; empty: every copy
     * @param maxBytes serialized bytes to return at most (at least one packet if any is kept)
     * @return the recipient's oldest unexpired packets
     */
    public Page fetch(String recipient, ByteString device, int maxBytes, long nowMs) {
        expire(nowMs);
        Box box = byRecipient.get(recipient);
        List<ChatPacket> out = new ArrayList<>();
        if (box == null) {
            return new Page(out, false);
        }
        int total = 0;
        for (Entry e : box.entries.values()) {
            ByteString to = e.packet().getRecipientDevice();
            if (!device.isEmpty() && !to.isEmpty() && !to.equals(device)) {
                continue; // another device's copy: it fetches (and deletes) that itself
            }
            if (!out.isEmpty() && total + e.bytes() > maxBytes) {
                return new Page(out, true);
            }
            out.add(e.packet());
            total += e.bytes();
        }
        return new Page(out, false);
    }

    /**
     * Deletes one device's copies (and copies naming no device) of {@code ids}: the other devices'
     * copies stay until they acknowledge them.
     *
     * @param device the acknowledging device's id (the key its signed ack's credential certifies)
     * @return how many copies were deleted from the recipient's mailbox
     */
    public int delete(String recipient, ByteString device, List<ByteString> ids) {
        Box box = byRecipient.get(recipient);
        if (box == null) {
            return 0;
        }
        int deleted = 0;
        for (ByteString id : ids) {
            for (Key key : new Key[] {new Key(id, device), new Key(id, ByteString.EMPTY)}) {
                Entry e = box.entries.remove(key);
                if (e != null) {
                    box.remove(key);
                    forget(e);
                    deleted++;
                }
            }
        }
        if (box.entries.isEmpty()) {
            byRecipient.remove(recipient);
        }
        return deleted;
    }

    /** Drops every packet older than the TTL. @return how many */
    public int expire(long nowMs) {
        long oldest = nowMs - limits.ttl().toMillis();
        int dropped = 0;
        for (Iterator<Box> boxes = byRecipient.values().iterator(); boxes.hasNext(); ) {
            Box box = boxes.next();
            for (Iterator<Map.Entry<Key, Entry>> it = box.entries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, Entry> e = it.next();
                if (e.getValue().storedAtMs() >= oldest) {
                    break; // insertion order is storage order
                }
                it.remove();
                box.remove(e.getKey());
                forget(e.getValue());
                dropped++;
            }
            if (box.entries.isEmpty()) {
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
        Box box = byRecipient.get(recipient);
        return box == null ? 0 : box.entries.size();
    }

    /** @return serialized bytes kept */
    public long bytes() {
        return bytes;
    }
}
