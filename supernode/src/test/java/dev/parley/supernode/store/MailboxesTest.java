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
        Mailboxes.Page page = boxes.fetch("bob", 48 * 1024, 31 * DAY_MS);
        assertThat(page.packets()).extracting(p -> (int) p.getMessageId().byteAt(0)).containsExactly(2, 3);
        assertThat(boxes.delete("bob", List.of(packet("x", "bob", 2, 0).getMessageId()))).isEqualTo(1);
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
        Mailboxes.Page page = boxes.fetch("bob", 48 * 1024, 0);
        assertThat(page.packets()).hasSize(6);
        assertThat(page.more()).isTrue();
    }
}
