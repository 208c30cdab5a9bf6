package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallKeys;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.EndReason;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.codec.audio.PcmBufferSink;
import dev.parley.codec.audio.SilenceSource;
import dev.parley.protocol.wire.PresenceRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several devices per account on real sockets (docs/protocol.md "Several devices"): bob signed in on
 * his phone and his laptop, both with their own keys; alice's call rings both, answering on the
 * laptop stops the phone ringing (its call ends as answered elsewhere, not missed) and connects.
 */
class DevicesScenarioTest {
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;

    /** A policy that lets the call ring and says so. */
    private static IncomingCallPolicy ringing(CompletableFuture<String> rang) {
        return (id, caller) -> {
            rang.complete(caller);
            return new IncomingCallPolicy.Ring();
        };
    }

    static ParleyClient secondDevice(TestOverlay overlay, Path dir, String user, String device, int superNode,
            IncomingCallPolicy policy, CallListener listener) throws Exception {
        ClientOptions o = overlay.options(user, user + "-password", superNode, policy, listener);
        return overlay.client(new ClientOptions(o.login(), o.username(), o.password(), dir.resolve(user + "-" + device),
                false, o.superNode(), 32, 60, o.ringTimeout(), policy, listener, o.clock(), o.random()));
    }

    private ParleyClient secondDevice(TestOverlay overlay, String user, String device, int superNode,
            IncomingCallPolicy policy, CallListener listener) throws Exception {
        return secondDevice(overlay, dir, user, device, superNode, policy, listener);
    }

    @Test
    void bothDevicesRingAndAnsweringOnTheNewestStopsTheOther() throws Exception {
        ringBothAndAnswerOn(true);
    }

    /** The older device answers: the caller adopts that device's keys (its own INVITE, key share and SAS). */
    @Test
    void answeringOnTheOlderDeviceWorksToo() throws Exception {
        ringBothAndAnswerOn(false);
    }

    private void ringBothAndAnswerOn(boolean onLaptop) throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            CompletableFuture<String> phoneRang = new CompletableFuture<>();
            CompletableFuture<String> laptopRang = new CompletableFuture<>();
            CompletableFuture<CallReport> phoneEnded = new CompletableFuture<>();
            CompletableFuture<CallReport> laptopEnded = new CompletableFuture<>();
            ParleyClient phone = overlay.client("bob", 1, ringing(phoneRang), TestOverlay.completing(phoneEnded));
            ParleyClient laptop = secondDevice(overlay, "bob", "laptop", 1, ringing(laptopRang),
                    TestOverlay.completing(laptopEnded));
            ParleyClient alice = overlay.client("alice", 0, DECLINE, CallListener.NONE);

            List<PresenceRecord> devices = laptop.devices().get(10, TimeUnit.SECONDS);
            assertThat(devices).extracting(r -> r.getCredential().getPublicKey()).as("newest first, each its own key")
                    .containsExactly(laptop.credential().getPublicKey(), phone.credential().getPublicKey());

            CompletableFuture<CallReport> call = alice.calls().call("bob", SilenceSource.frames(100), new PcmBufferSink());
            assertThat(phoneRang.get(10, TimeUnit.SECONDS)).isEqualTo("alice");
            assertThat(laptopRang.get(10, TimeUnit.SECONDS)).isEqualTo("alice");
            ParleyClient answering = onLaptop ? laptop : phone;
            ParleyClient other = onLaptop ? phone : laptop;
            long answeredNanos = System.nanoTime();
            assertThat(answering.calls().answer(SilenceSource.endless(), new PcmBufferSink()).get(10, TimeUnit.SECONDS)).isTrue();

            CallReport onOther = (onLaptop ? phoneEnded : laptopEnded).get(10, TimeUnit.SECONDS);
            System.out.printf("answered on the %s: the other device stopped ringing after %.1f ms%n", onLaptop ? "laptop" : "phone",
                    (System.nanoTime() - answeredNanos) / 1e6);
            assertThat(onOther.end()).isEqualTo(EndReason.ANSWERED_ELSEWHERE);
            assertThat(onOther.missed()).as("not a missed call").isFalse();
            CallReport onAlice = call.get(20, TimeUnit.SECONDS); // 2 s of audio, then alice hangs up
            assertThat(onAlice.connected()).isTrue();
            assertThat(onAlice.end()).isEqualTo(EndReason.INPUT_ENDED);
            assertThat(onAlice.media().packetsReceived()).isGreaterThan(50);
            CallReport onAnswering = (onLaptop ? laptopEnded : phoneEnded).get(10, TimeUnit.SECONDS);
            assertThat(onAnswering.connected()).isTrue();
            assertThat(onAnswering.end()).isEqualTo(EndReason.REMOTE_HUNG_UP);
            assertThat(onAnswering.security().sas()).as("the answering device's keys").isEqualTo(onAlice.security().sas());
            assertThat(onAlice.security().peerFingerprint()).isEqualTo(
                    CallKeys.fingerprint(answering.credential().getPublicKey().toByteArray()));
            assertThat(other.calls().hasCall().get(5, TimeUnit.SECONDS)).isFalse();
        }
    }

    /**
     * Devices that join different super nodes end up on one (the later one moves to the earlier
     * one's), so a search finds both and both ring.
     */
    @Test
    void aDeviceJoiningAnotherSuperNodeMovesToItsAccountsOne() throws Exception {
        try (TestOverlay overlay = new TestOverlay(dir, 2)) {
            CompletableFuture<String> phoneRang = new CompletableFuture<>();
            CompletableFuture<String> laptopRang = new CompletableFuture<>();
            ParleyClient phone = overlay.client("bob", 1, ringing(phoneRang), CallListener.NONE);
            long startNanos = System.nanoTime();
            ParleyClient laptop = secondDevice(overlay, "bob", "laptop", 0, ringing(laptopRang), CallListener.NONE);
            ChatEvents.await("the laptop on the phone's super node", 10_000, () -> laptop.superNode().equals(overlay.superNode(1)));
            System.out.printf("the laptop was on its account's super node %.1f ms after it started signing in (another one pinned)%n",
                    (System.nanoTime() - startNanos) / 1e6);
            assertThat(phone.superNode()).as("the earlier device stays").isEqualTo(overlay.superNode(1));
            assertThat(laptop.disconnected()).isNotDone();

            ParleyClient alice = overlay.client("alice", 0, DECLINE, CallListener.NONE);
            CompletableFuture<CallReport> call = alice.calls().call("bob", SilenceSource.frames(50), new PcmBufferSink());
            assertThat(phoneRang.get(10, TimeUnit.SECONDS)).isEqualTo("alice");
            assertThat(laptopRang.get(10, TimeUnit.SECONDS)).isEqualTo("alice");
            alice.calls().hangup().get(10, TimeUnit.SECONDS);
            assertThat(call.get(10, TimeUnit.SECONDS).end()).isEqualTo(EndReason.CANCELLED);
        }
    }
}
