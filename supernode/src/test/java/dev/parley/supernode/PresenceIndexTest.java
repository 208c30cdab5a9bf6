package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.wire.PresenceRecord;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PresenceIndexTest {
    private final List<String> changes = new ArrayList<>();
    private final PresenceIndex index = new PresenceIndex();

    PresenceIndexTest() {
        index.addListener(changes::add);
    }

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

    @Test
    void everyListenerHearsEveryChangeInRegistrationOrderWithTheVersionAlreadyBumped() {
        List<String> heard = new ArrayList<>();
        index.addListener(u -> heard.add("first " + u + " v" + index.version()));
        index.addListener(u -> heard.add("second " + u + " v" + index.version()));
        Session alice = session("alice");
        index.put(alice);
        assertThat(index.remove(session("alice"))).as("not alice's current session").isFalse();
        index.remove(alice);
        assertThat(heard).containsExactly("first alice v1", "second alice v1", "first alice v2", "second alice v2");
        assertThat(changes).as("the listener registered first").containsExactly("alice", "alice");
    }
}
