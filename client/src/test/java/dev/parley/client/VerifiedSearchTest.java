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
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Attack: a lying super node adds devices to a search result (several devices per account). Only
 * records that each device signed with a key the login server certified for the user survive, so
 * no call or message is sealed to a key of the super node's making.
 */
class VerifiedSearchTest {
    private static final Instant NOW = Instant.parse("2026-11-27T18:00:00Z");
    private static final HostPort SN = new HostPort("127.0.0.1", 7000);
    private final Ed25519KeyPair server = key(1);

    private static Ed25519KeyPair key(int n) {
        byte[] seed = new byte[32];
        seed[0] = (byte) n;
        return Ed25519KeyPair.fromSeed(seed);
    }

    private PresenceRecord record(Ed25519KeyPair certifiedBy, String user, Ed25519KeyPair device, Ed25519KeyPair signer) {
        Credential c = Credentials.issue(certifiedBy, user, device.publicKey(), CallKeys.encryptionKey(device).publicKey(),
                NOW.minusSeconds(60), Duration.ofHours(1));
        long at = NOW.toEpochMilli();
        return PresenceRecords.record(c, SN, List.of(), at, PresenceRecords.sign(signer, user, SN, List.of(), at), at);
    }

    @Test
    void onlyDevicesTheUserSignedAndTheLoginServerCertifiedSurvive() {
        PresenceRecord phone = record(server, "bob", key(2), key(2));
        PresenceRecord laptop = record(server, "bob", key(3), key(3));
        PresenceRecord forgedSignature = record(server, "bob", key(4), key(5)); // the super node cannot sign for a device
        PresenceRecord ownCertificate = record(key(6), "bob", key(7), key(7)); // nor certify a key of its own
        PresenceRecord otherUser = record(server, "mallory", key(8), key(8)); // nor pass off another user's device
        SearchResult r = SearchResult.newBuilder().setFound(true).setRecord(phone)
                .addAllDevices(List.of(forgedSignature, laptop, ownCertificate, otherUser)).build();

        assertThat(VerifiedSearch.verifiedDevices(r, server.publicKey(), "bob", NOW)).containsExactly(laptop);
    }

    @Test
    void atMostSevenOtherDevicesAreTaken() {
        SearchResult.Builder r = SearchResult.newBuilder().setFound(true).setRecord(record(server, "bob", key(2), key(2)));
        for (int i = 0; i < 20; i++) {
            r.addDevices(record(server, "bob", key(10 + i), key(10 + i)));
        }
        assertThat(VerifiedSearch.verifiedDevices(r.build(), server.publicKey(), "bob", NOW)).hasSize(7);
    }
}
