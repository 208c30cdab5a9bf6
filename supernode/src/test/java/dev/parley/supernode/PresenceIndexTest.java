package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.wire.PresenceRecord;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PresenceIndexTest {
    private final List<String> changes = new ArrayList<>();
    private final PresenceIndex index = new PresenceIndex(changes::add);

    private static Session session(String user) {
        return new Session(user, new EmbeddedChannel(), PresenceRecord.getDefaultInstance());
    }

    @Test
    void newSessionReplacesOldAndOldRemovalIsIgnored() {
        Session first = session("bob");
        Session second = session("bob");
        assertThat(index.put(first)).isNull();
        assertThat(index.put(second)).isSameAs(first);
        assertThat(index.remove(first)).as("stale session").isFalse();
        assertThat(index.get("bob")).isSameAs(second);
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.remove(second)).isTrue();
        assertThat(index.get("bob")).isNull();
        assertThat(changes).containsExactly("bob", "bob", "bob");
    }
}
