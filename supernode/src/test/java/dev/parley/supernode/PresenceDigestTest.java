package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Bloom-filter presence digest: no false negatives, a low false-positive rate, garbage refused. */
class PresenceDigestTest {
    @Test
    void containsEveryMemberAndFewOthers() {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            members.add("user" + i);
        }
        PresenceDigest d = PresenceDigest.of(members, 7);
        assertThat(members).allMatch(d::mightContain);
        int falsePositives = 0;
        for (int i = 0; i < 100_000; i++) {
            if (d.mightContain("other" + i)) {
                falsePositives++;
            }
        }
        assertThat(falsePositives).as("false positives per 100,000").isLessThan(100); // < 0.1 %
        assertThat(d.sizeBytes()).isEqualTo(2048);
    }

    @Test
    void survivesTheWireAndRefusesMalformedDigests() {
        PresenceDigest d = PresenceDigest.of(List.of("alice", "bob"), 42);
        PresenceDigest back = PresenceDigest.fromWire(d.toWire()).orElseThrow();
        assertThat(back.mightContain("alice")).isTrue();
        assertThat(back.mightContain("bob")).isTrue();
        assertThat(back.version()).isEqualTo(42);
        assertThat(back.entries()).isEqualTo(2);

        var wire = d.toWire();
        assertThat(PresenceDigest.fromWire(wire.toBuilder().setHashCount(0).build())).isEmpty();
        assertThat(PresenceDigest.fromWire(wire.toBuilder().setHashCount(99).build())).isEmpty();
        assertThat(PresenceDigest.fromWire(wire.toBuilder().setBits(ByteString.copyFrom(new byte[100])).build())).isEmpty();
        assertThat(PresenceDigest.fromWire(wire.toBuilder().setBits(ByteString.copyFrom(new byte[16384])).build())).isEmpty();
        assertThat(PresenceDigest.fromWire(wire.toBuilder().setBits(ByteString.EMPTY).build())).isEmpty();
    }
}
