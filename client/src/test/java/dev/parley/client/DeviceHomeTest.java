package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallKeys;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.SearchResult;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which super node a device moves to so that its account's devices gather on one ({@link DeviceHome}). */
class DeviceHomeTest {
    private static final Instant NOW = Instant.parse("2026-11-27T18:00:00Z");
    private static final HostPort HERE = new HostPort("127.0.0.1", 7000);
    private static final HostPort THERE = new HostPort("127.0.0.1", 7001);
    private final Ed25519KeyPair server = key(1);
    private final Ed25519KeyPair me = key(2);
    private final DeviceHome home = new DeviceHome("bob", me.publicKey(), server.publicKey(), InstantSource.fixed(NOW));

    private static Ed25519KeyPair key(int n) {
        byte[] seed = new byte[32];
        seed[0] = (byte) n;
        return Ed25519KeyPair.fromSeed(seed);
    }

    private PresenceRecord record(Ed25519KeyPair certifiedBy, Ed25519KeyPair device, HostPort at, long signedAtMs) {
        Credential c = Credentials.issue(certifiedBy, "bob", device.publicKey(), CallKeys.encryptionKey(device).publicKey(),
                NOW.minusSeconds(60), Duration.ofHours(1));
        return PresenceRecords.record(c, at, List.of(), signedAtMs, PresenceRecords.sign(device, "bob", at, List.of(), signedAtMs),
                signedAtMs);
    }

    private static SearchResult found(PresenceRecord r) {
        return SearchResult.newBuilder().setFound(true).setRecord(r).build();
    }

    @Test
    void theLaterDeviceMovesToTheEarlierOnesSuperNodeAndTheEarlierStays() {
        long t = NOW.toEpochMilli();
        assertThat(home.choose(found(record(server, key(3), THERE, t - 1000)), HERE, t)).isEqualTo(THERE);
        assertThat(home.choose(found(record(server, key(3), THERE, t + 1000)), HERE, t)).as("the other one comes to us").isNull();
        assertThat(home.choose(SearchResult.getDefaultInstance(), HERE, t)).as("alone").isNull();
        assertThat(home.choose(found(record(server, me, THERE, t - 1000)), HERE, t)).as("an old record of ourselves").isNull();
    }

    /** Attack: a super node invents a sibling to lure the device to a super node of its choosing. */
    @Test
    void aRecordTheLoginServerDidNotCertifyIsNotFollowed() {
        long t = NOW.toEpochMilli();
        assertThat(home.choose(found(record(key(9), key(3), THERE, t - 1000)), HERE, t)).isNull();
    }
}
