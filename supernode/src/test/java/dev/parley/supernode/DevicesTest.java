package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.Ringing;
import dev.parley.protocol.wire.Search;
import dev.parley.protocol.wire.SearchResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several devices per account (docs/protocol.md "Several devices"): a second device's registration
 * does not displace the first; searches return every device's own signed record; signals reach the
 * device they name; at most {@value PresenceIndex#MAX_DEVICES} devices per user.
 */
class DevicesTest {
    private static final Duration QUIET = Duration.ofMillis(500);

    @TempDir
    Path dir;
    @AutoClose
    Cluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new Cluster(2, dir, List.of());
        cluster.awaitDirectory(List.of());
    }

    private static ByteString device(String user, String device) {
        return ByteString.copyFrom(Cluster.deviceKey(user, device).publicKey());
    }

    private static SearchResult elsewhere(TestClient c) throws Exception {
        return TestClient.await(c.request(Envelope.newBuilder().setSearch(Search.newBuilder().setUsername("bob").setElsewhere(true))))
                .getSearchResult();
    }

    private static CallSignal.Builder ringing(String callId, String to, ByteString toDevice) {
        return CallSignal.newBuilder().setCallId(callId).setTo(to).setToDevice(toDevice).setRinging(Ringing.getDefaultInstance());
    }

    @Test
    void aSecondDeviceJoinsTheFirstInsteadOfReplacingIt() throws Exception {
        TestClient phone = cluster.signInDevice(0, "bob", "phone");
        TestClient laptop = cluster.signInDevice(0, "bob", "laptop");
        TestClient alice = cluster.signIn(1, "alice");

        assertThat(phone.pollPush(QUIET)).as("the first device is not told to leave").isNull();
        assertThat(cluster.node(0).onlineUsers()).isEqualTo(1);
        SearchResult found = alice.search("bob"); // through the mesh: the other super node answers
        assertThat(found.getFound()).isTrue();
        List<PresenceRecord> records = Stream.concat(Stream.of(found.getRecord()), found.getDevicesList().stream()).toList();
        assertThat(records).extracting(r -> r.getCredential().getPublicKey())
                .as("newest first, then the others").containsExactly(device("bob", "laptop"), device("bob", "phone"));
        for (PresenceRecord r : records) { // each device signed its own record
            PresenceRecords.verify(TestKeys.key(1).publicKey(), r, "bob", cluster.clock.instant(), Duration.ofHours(24));
        }
        assertThat(laptop.search("bob").getDevicesCount()).as("from its own super node too").isEqualTo(1);
    }

    @Test
    void aSignalReachesOnlyTheDeviceItNames() throws Exception {
        TestClient phone = cluster.signInDevice(0, "bob", "phone");
        TestClient laptop = cluster.signInDevice(0, "bob", "laptop");
        TestClient alice = cluster.signIn(1, "alice");

        assertThat(TestClient.await(alice.signal(ringing("c1", "bob", device("bob", "phone")))).hasOk()).isTrue();
        assertThat(phone.nextPush().getCallSignal().getCallId()).isEqualTo("c1");
        assertThat(TestClient.await(alice.signal(ringing("c2", "bob", device("bob", "laptop")))).hasOk()).isTrue();
        assertThat(laptop.nextPush().getCallSignal().getCallId()).isEqualTo("c2");
        assertThat(TestClient.await(alice.signal(ringing("c3", "bob", ByteString.EMPTY))).hasOk()).isTrue();
        assertThat(laptop.nextPush().getCallSignal().getCallId()).as("no device named: the newest").isEqualTo("c3");
        assertThat(phone.pollPush(QUIET)).as("each signal went to one device only").isNull();
    }

    /** Attack: a device id that is not registered reaches no other device of the account. */
    @Test
    void aSignalForAnUnknownDeviceIsNotDeliveredToAnotherOne() throws Exception {
        TestClient phone = cluster.signInDevice(0, "bob", "phone");
        TestClient alice = cluster.signIn(0, "alice");

        ProtocolException e = TestClient.failure(alice.signal(ringing("c1", "bob", device("bob", "tablet"))));
        assertThat(e.code()).isEqualTo(ErrorCode.USER_OFFLINE);
        assertThat(phone.pollPush(QUIET)).isNull();
    }

    /** Attack: a device id is bounded (32 bytes), like every field the super node keeps or routes. */
    @Test
    void anOversizedDeviceIdIsRefused() throws Exception {
        cluster.signInDevice(0, "bob", "phone");
        TestClient alice = cluster.signIn(0, "alice");
        ProtocolException e = TestClient.failure(alice.signal(ringing("c1", "bob", ByteString.copyFrom(new byte[33]))));
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.getMessage()).isEqualTo("call signal: to_device 33 bytes (expected: <= 32)");
    }

    /** Attack: one account cannot fill a super node with sessions; the oldest device beyond the cap is told and closed. */
    @Test
    void atMostEightDevicesAndTheOldestIsToldWhy() throws Exception {
        List<TestClient> devices = new ArrayList<>();
        for (int i = 0; i < PresenceIndex.MAX_DEVICES + 1; i++) {
            devices.add(cluster.signInDevice(0, "bob", "d" + i));
        }
        Envelope told = devices.get(0).nextPush();
        assertThat(told.getError().getCode()).isEqualTo(ErrorCode.TOO_MANY_DEVICES);
        assertThat(told.getError().getMessage()).isEqualTo("devices of bob: more than 8 signed in; this one, the oldest, was signed out");
        devices.get(0).awaitClosed();
        for (TestClient d : devices.subList(1, devices.size())) {
            assertThat(d.pollPush(Duration.ZERO)).isNull();
        }
        SearchResult found = devices.get(1).search("bob");
        assertThat(found.getDevicesCount() + 1).isEqualTo(PresenceIndex.MAX_DEVICES);
        assertThat(found.getDevicesList()).extracting(r -> r.getCredential().getPublicKey()).doesNotContain(device("bob", "d0"));
    }

    @Test
    void closingOneDeviceKeepsTheOther() throws Exception {
        TestClient phone = cluster.signInDevice(0, "bob", "phone");
        TestClient laptop = cluster.signInDevice(0, "bob", "laptop");
        TestClient alice = cluster.signIn(0, "alice");
        assertThat(alice.search("bob").getDevicesCount()).isEqualTo(1);
        laptop.close();
        Await.until("laptop unregistered", () -> alice.search("bob").getDevicesCount() == 0);
        SearchResult found = alice.search("bob");
        assertThat(found.getFound()).isTrue();
        assertThat(found.getRecord().getCredential().getPublicKey()).isEqualTo(device("bob", "phone"));
        assertThat(phone.pollPush(Duration.ZERO)).isNull();
    }

    /** A device alone on its super node that searches its own name learns where its account's other devices are. */
    @Test
    void aDeviceAloneSearchingItsOwnNameFindsItsSiblingsElsewhere() throws Exception {
        TestClient phone = cluster.signInDevice(1, "bob", "phone");
        TestClient laptop = cluster.signInDevice(0, "bob", "laptop");
        assertThat(laptop.search("bob").getRecord().getCredential().getPublicKey()).as("a plain search finds itself")
                .isEqualTo(device("bob", "laptop"));
        SearchResult found = elsewhere(laptop);
        assertThat(found.getFound()).isTrue();
        assertThat(found.getRecord().getCredential().getPublicKey()).isEqualTo(device("bob", "phone"));
        assertThat(found.getRecord().getSuperNode()).isEqualTo(cluster.node(1).advertisedAddress().toAddress());
        assertThat(elsewhere(phone).getRecord().getCredential().getPublicKey()).as("alone too: finds the laptop")
                .isEqualTo(device("bob", "laptop"));
    }
}
