package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.wire.Candidate;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PresenceRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PresenceRecordsTest {
    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    private static final HostPort SN = new HostPort("127.0.0.1", 7100);
    private static final Duration MAX_AGE = Duration.ofHours(1);
    private final Ed25519KeyPair server = Ed25519KeyPair.fromSeed(filled((byte) 1));
    private final Ed25519KeyPair bob = Ed25519KeyPair.fromSeed(filled((byte) 2));
    private final Ed25519KeyPair mallory = Ed25519KeyPair.fromSeed(filled((byte) 3));
    private final Credential credential = Credentials.issue(server, "bob", bob.publicKey(), T0, Duration.ofHours(24));
    private final List<Candidate> candidates = List.of(Candidate.newBuilder()
            .setAddress(new HostPort("10.0.0.2", 5004).toAddress()).setPriority(100).build());

    private static byte[] filled(byte b) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, b);
        return seed;
    }

    private PresenceRecord signed(Ed25519KeyPair signer, HostPort sn, long signedAtMs) {
        byte[] sig = PresenceRecords.sign(signer, "bob", sn, candidates, signedAtMs);
        return PresenceRecords.record(credential, sn, candidates, signedAtMs, sig, signedAtMs);
    }

    @Test
    void recordSignedByTheUserVerifies() throws Exception {
        PresenceRecord r = signed(bob, SN, T0.toEpochMilli());
        PresenceRecords.verify(server.publicKey(), r, "bob", T0.plusSeconds(60), MAX_AGE);
        assertThat(HostPort.of(r.getSuperNode())).isEqualTo(SN);
    }

    @Test
    void recordSignedByAnotherKeyIsRejected() {
        PresenceRecord forged = signed(mallory, SN, T0.toEpochMilli());
        assertThatThrownBy(() -> PresenceRecords.verify(server.publicKey(), forged, "bob", T0, MAX_AGE))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
    }

    @Test
    void redirectedSuperNodeOrCandidatesBreakTheSignature() {
        PresenceRecord genuine = signed(bob, SN, T0.toEpochMilli());
        PresenceRecord moved = genuine.toBuilder().setSuperNode(new HostPort("203.0.113.9", 7100).toAddress()).build();
        PresenceRecord swapped = genuine.toBuilder().setCandidates(0, candidates.get(0).toBuilder()
                .setAddress(new HostPort("203.0.113.9", 5004).toAddress())).build();
        for (PresenceRecord r : List.of(moved, swapped)) {
            assertThatThrownBy(() -> PresenceRecords.verify(server.publicKey(), r, "bob", T0, MAX_AGE))
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL));
        }
    }

    @Test
    void staleOrFutureRecordsAreRejected() {
        PresenceRecord old = signed(bob, SN, T0.toEpochMilli());
        assertThatThrownBy(() -> PresenceRecords.verify(server.publicKey(), old, "bob",
                T0.plus(MAX_AGE).plusMillis(1), MAX_AGE))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL));
        PresenceRecord future = signed(bob, SN, T0.plus(Duration.ofMinutes(10)).toEpochMilli());
        assertThatThrownBy(() -> PresenceRecords.verify(server.publicKey(), future, "bob", T0, MAX_AGE))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPIRED_CREDENTIAL));
    }

    @Test
    void recordForAnotherUserIsRejected() {
        PresenceRecord r = signed(bob, SN, T0.toEpochMilli());
        assertThatThrownBy(() -> PresenceRecords.verify(server.publicKey(), r, "alice", T0, MAX_AGE))
                .hasMessageContaining("'bob'");
    }
}
