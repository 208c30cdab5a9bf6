package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RelayAllocate;
import dev.parley.protocol.wire.RelayAllocated;
import dev.parley.protocol.wire.RelayBindTcp;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TCP relay role over real sockets: a fresh connection becomes a {@link TcpRelayHandler} on {@code RelayBindTcp}. */
class TcpRelayLinkTest {
    @TempDir
    Path dir;
    @AutoClose
    private Cluster cluster;

    private static Envelope.Builder bind(ByteString token, ByteString key) {
        return Envelope.newBuilder().setRelayBindTcp(RelayBindTcp.newBuilder().setToken(token).setKey(key));
    }

    @Test
    void aTokenBindsAFreshConnectionOnceAndAnUnknownTokenClosesIt() throws Exception {
        cluster = new Cluster(1, dir, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        RelayAllocated allocated = TestClient.await(alice.request(Envelope.newBuilder()
                .setRelayAllocate(RelayAllocate.getDefaultInstance()))).getRelayAllocated();

        TestClient party = cluster.connect(0);
        assertThat(TestClient.await(party.request(bind(allocated.getCallerToken(), allocated.getCallerKey()))).hasOk()).isTrue();
        ProtocolException again = TestClient.failure(party.request(bind(allocated.getCallerToken(), allocated.getCallerKey())));
        assertThat(again.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(again.getMessage()).contains("RELAY_BIND_TCP: not a fresh connection to a relay");
        party.awaitClosed();

        TestClient stranger = cluster.connect(0);
        ProtocolException unknown = TestClient.failure(stranger.request(bind(ByteString.copyFrom(new byte[16]), ByteString.copyFrom(new byte[16]))));
        assertThat(unknown.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        stranger.awaitClosed();

        ProtocolException onSession = TestClient.failure(alice.request(bind(allocated.getCalleeToken(), allocated.getCalleeKey())));
        assertThat(onSession.code()).as("a client session is not a fresh connection").isEqualTo(ErrorCode.BAD_REQUEST);
        alice.awaitClosed();
    }

    @Test
    void aTcpBindWithTheTokenButWithoutItsKeyIsRefused() throws Exception {
        cluster = new Cluster(1, dir, List.of());
        TestClient alice = cluster.signIn(0, "alice");
        RelayAllocated allocated = TestClient.await(alice.request(Envelope.newBuilder()
                .setRelayAllocate(RelayAllocate.newBuilder().setCallId("c1")))).getRelayAllocated();
        assertThat(allocated.getCallerKey().size()).isEqualTo(16);
        assertThat(allocated.getCalleeKey()).isNotEqualTo(allocated.getCallerKey());

        TestClient thief = cluster.connect(0); // saw the callee token on the wire, not the key
        ProtocolException noKey = TestClient.failure(thief.request(bind(allocated.getCalleeToken(), ByteString.EMPTY)));
        assertThat(noKey.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        assertThat(noKey.getMessage()).isEqualTo("relay token or key: unknown");
        thief.awaitClosed();
        TestClient guesser = cluster.connect(0);
        ProtocolException wrongKey = TestClient.failure(guesser.request(bind(allocated.getCalleeToken(), allocated.getCallerKey())));
        assertThat(wrongKey.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
        guesser.awaitClosed();

        TestClient callee = cluster.connect(0);
        assertThat(TestClient.await(callee.request(bind(allocated.getCalleeToken(), allocated.getCalleeKey()))).hasOk()).isTrue();
    }
}
