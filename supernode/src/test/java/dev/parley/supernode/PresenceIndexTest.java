package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.PresenceRecord;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PresenceIndexTest {
    private final List<String> changes = new ArrayList<>();
    private final PresenceIndex index = new PresenceIndex();

    PresenceIndexTest() {
        index.addListener(changes::add);
    }

    private static Session session(String user) {
        return session(user, "phone");
    }

    private static Session session(String user, String device) {
        Credential credential = Credential.newBuilder().setUsername(user)
                .setPublicKey(ByteString.copyFromUtf8(device)).build();
        return new Session(user, new EmbeddedChannel(), PresenceRecord.newBuilder().setCredential(credential).build());
    }

    @Test
    void theSameDeviceReplacesItsOldSessionAndOldRemovalIsIgnored() {
        Session first = session("bob");
        Session second = session("bob");
        assertThat(index.put(first)).isEqualTo(new PresenceIndex.Displaced(null, null));
        assertThat(index.put(second).sameDevice()).isSameAs(first);
        assertThat(index.remove(first)).as("stale session").isFalse();
        assertThat(index.get("bob")).isSameAs(second);
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.deviceCount()).isEqualTo(1);
        assertThat(index.remove(second)).isTrue();
        assertThat(index.get("bob")).isNull();
        assertThat(index.deviceCount()).isZero();
        assertThat(changes).containsExactly("bob", "bob", "bob");
    }

    @Test
    void devicesOfOneUserStayTogetherUpToTheCapAndTheOldestGoes() {
        List<Session> devices = new ArrayList<>();
        for (int i = 0; i < PresenceIndex.MAX_DEVICES; i++) {
            devices.add(session("bob", "d" + i));
            assertThat(index.put(devices.get(i))).isEqualTo(new PresenceIndex.Displaced(null, null));
        }
        assertThat(index.devices("bob")).containsExactlyElementsOf(devices);
        assertThat(index.get("bob")).as("the newest").isSameAs(devices.get(PresenceIndex.MAX_DEVICES - 1));
        assertThat(index.device("bob", ByteString.copyFromUtf8("d3"))).isSameAs(devices.get(3));
        assertThat(index.device("bob", ByteString.copyFromUtf8("zz"))).isNull();

        Session ninth = session("bob", "d8");
        assertThat(index.put(ninth).oldest()).isSameAs(devices.get(0));
        assertThat(index.contains(devices.get(0))).isFalse();
        assertThat(index.devices("bob")).hasSize(PresenceIndex.MAX_DEVICES).endsWith(ninth);
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.deviceCount()).isEqualTo(PresenceIndex.MAX_DEVICES);

        Session renewed = session("bob", "d3");
        assertThat(index.replace(devices.get(3), renewed)).isTrue();
        assertThat(index.devices("bob").get(2)).as("keeps its place").isSameAs(renewed);
        assertThat(index.remove(devices.get(3))).as("replaced").isFalse();
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

    @Test
    void atTheCapANewSessionIsRefusedButAReconnectingDeviceIsNot() {
        assertThat(index.putWithin(session("alice"), 2)).isNotNull();
        assertThat(index.putWithin(session("bob"), 2)).isNotNull();
        changes.clear();
        assertThat(index.putWithin(session("carol"), 2)).as("a third client").isNull();
        assertThat(index.putWithin(session("alice", "laptop"), 2)).as("another device counts as well").isNull();
        assertThat(index.get("carol")).isNull();
        assertThat(index.devices("alice")).hasSize(1);
        assertThat(index.deviceCount()).isEqualTo(2);
        assertThat(changes).as("a refusal changes nothing").isEmpty();
        Session again = session("bob");
        assertThat(index.putWithin(again, 2)).as("bob's phone reconnecting").isNotNull();
        assertThat(index.get("bob")).isSameAs(again);
        assertThat(index.deviceCount()).isEqualTo(2);
        index.remove(again);
        assertThat(index.putWithin(session("carol"), 2)).as("a place came free").isNotNull();
    }

    @Test
    void concurrentRegistrationsNeverExceedTheCap() throws Exception {
        PresenceIndex shared = new PresenceIndex(); // no listener: the test's list is not thread-safe
        List<Thread> threads = new ArrayList<>();
        AtomicInteger admitted = new AtomicInteger();
        for (int t = 0; t < 4; t++) {
            int base = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 500; i++) {
                    if (shared.putWithin(session("u" + base + "-" + i), 300) != null) {
                        admitted.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(admitted.get()).isEqualTo(300);
        assertThat(shared.deviceCount()).isEqualTo(300);
        assertThat(shared.size()).isEqualTo(300);
    }
}
