package dev.parley.supernode.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ErrorCode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mailbox bounds: per recipient, per sender, bytes, expiry; duplicates are no-ops. */
class MailboxesTest {
    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    private static ChatPacket packet(String from, String to, int id, int sealedBytes) {
        byte[] mid = new byte[16];
        mid[0] = (byte) id;
        mid[1] = (byte) (id >> 8);
        return ChatPacket.newBuilder().setFrom(from).setTo(to).setMessageId(ByteString.copyFrom(mid))
                .setSealed(ByteString.copyFrom(new byte[sealedBytes])).build();
    }

    private static ErrorCode code(Throwable e) {
        return ((ProtocolException) e).code();
    }

    @Test
    void aFloodFromOneSenderOrToOneRecipientIsBounded() throws Exception {
        Mailboxes boxes = new Mailboxes(new Mailboxes.Limits(5, 3, 1 << 20, Duration.ofDays(30)));
        for (int i = 0; i < 3; i++) {
            assertThat(boxes.put(packet("eve", "bob", i, 100), 0)).isTrue();
        }
        assertThatThrownBy(() -> boxes.put(packet("eve", "carol", 9, 100), 0))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.MAILBOX_FULL)); // per sender
        assertThat(boxes.put(packet("ann", "bob", 10, 100), 0)).isTrue();
        assertThat(boxes.put(packet("dan", "bob", 11, 100), 0)).isTrue();
        assertThatThrownBy(() -> boxes.put(packet("fay", "bob", 12, 100), 0))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.MAILBOX_FULL)); // per recipient
        assertThat(boxes.size()).isEqualTo(5);
        assertThat(boxes.put(packet("eve", "bob", 0, 100), 0)).as("a resent copy").isFalse();
    }

    @Test
    void totalBytesAreBounded() throws Exception {
        Mailboxes boxes = new Mailboxes(new Mailboxes.Limits(100, 100, 2_000, Duration.ofDays(30)));
        boxes.put(packet("ann", "bob", 1, 900), 0);
        boxes.put(packet("ann", "bob", 2, 900), 0);
        assertThatThrownBy(() -> boxes.put(packet("ann", "bob", 3, 900), 0))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.MAILBOX_FULL));
        assertThat(boxes.bytes()).isLessThanOrEqualTo(2_000);
    }

    @Test
    void packetsExpireAfterTheTtlAndAreDeletedOnAck() throws Exception {
        Mailboxes boxes = new Mailboxes(Mailboxes.Limits.DEFAULTS);
        boxes.put(packet("ann", "bob", 1, 50), 0);
        boxes.put(packet("ann", "bob", 2, 50), 20 * DAY_MS);
        boxes.put(packet("ann", "bob", 3, 50), 20 * DAY_MS);
        Mailboxes.Page page = boxes.fetch("bob", ByteString.EMPTY, 48 * 1024, 31 * DAY_MS);
        assertThat(page.packets()).extracting(p -> (int) p.getMessageId().byteAt(0)).containsExactly(2, 3);
        assertThat(boxes.delete("bob", ByteString.EMPTY, List.of(packet("x", "bob", 2, 0).getMessageId()))).isEqualTo(1);
        assertThat(boxes.size("bob")).isEqualTo(1);
        assertThat(boxes.expire(51 * DAY_MS)).isEqualTo(1);
        assertThat(boxes.size()).isZero();
        assertThat(boxes.bytes()).isZero();
    }

    @Test
    void pagesStayUnderTheByteLimit() throws Exception {
        Mailboxes boxes = new Mailboxes(Mailboxes.Limits.DEFAULTS);
        for (int i = 0; i < 10; i++) {
            boxes.put(packet("ann", "bob", i, 8_000), 0);
        }
        Mailboxes.Page page = boxes.fetch("bob", ByteString.EMPTY, 48 * 1024, 0);
        assertThat(page.packets()).hasSize(6);
        assertThat(page.more()).isTrue();
    }

    private static ChatPacket forDevice(ChatPacket p, int device) {
        byte[] key = new byte[32];
        key[0] = (byte) device;
        return p.toBuilder().setRecipientDevice(ByteString.copyFrom(key)).build();
    }

    /** Attack: a sender names many devices to multiply one message on every replica; capped at 8 copies. */
    @Test
    void oneMessageIsKeptForAtMostEightDevices() throws Exception {
        Mailboxes boxes = new Mailboxes(Mailboxes.Limits.DEFAULTS);
        for (int d = 1; d <= Mailboxes.MAX_COPIES; d++) {
            assertThat(boxes.put(forDevice(packet("eve", "bob", 1, 100), d), 0)).isTrue();
        }
        assertThatThrownBy(() -> boxes.put(forDevice(packet("eve", "bob", 1, 100), 9), 0))
                .satisfies(e -> assertThat(code(e)).isEqualTo(ErrorCode.MAILBOX_FULL))
                .hasMessageContaining("one per device");
        assertThat(boxes.size("bob")).isEqualTo(Mailboxes.MAX_COPIES);
        assertThat(boxes.put(forDevice(packet("eve", "bob", 1, 100), 3), 0)).as("a resent copy").isFalse();
        assertThat(boxes.put(forDevice(packet("eve", "bob", 2, 100), 9), 0)).as("another message").isTrue();
    }

    @Test
    void eachDeviceFetchesAndDeletesOnlyItsOwnCopies() throws Exception {
        Mailboxes boxes = new Mailboxes(Mailboxes.Limits.DEFAULTS);
        ByteString one = forDevice(packet("x", "bob", 0, 0), 1).getRecipientDevice();
        ByteString two = forDevice(packet("x", "bob", 0, 0), 2).getRecipientDevice();
        boxes.put(forDevice(packet("ann", "bob", 1, 50), 1), 0);
        boxes.put(forDevice(packet("ann", "bob", 1, 50), 2), 0);
        boxes.put(packet("ann", "bob", 2, 50), 0); // an older sender's: no device named
        assertThat(boxes.fetch("bob", one, 48 * 1024, 0).packets()).extracting(ChatPacket::getRecipientDevice)
                .containsExactly(one, ByteString.EMPTY);
        ByteString id1 = packet("x", "bob", 1, 0).getMessageId();
        assertThat(boxes.delete("bob", two, List.of(id1))).as("device two's ack").isEqualTo(1);
        assertThat(boxes.fetch("bob", one, 48 * 1024, 0).packets()).as("device one's copy stays until it acks")
                .extracting(ChatPacket::getRecipientDevice).containsExactly(one, ByteString.EMPTY);
        assertThat(boxes.fetch("bob", two, 48 * 1024, 0).packets()).extracting(ChatPacket::getRecipientDevice)
                .containsExactly(ByteString.EMPTY);
        assertThat(boxes.delete("bob", one, List.of(id1))).isEqualTo(1);
        assertThat(boxes.size("bob")).isEqualTo(1);
    }
}
