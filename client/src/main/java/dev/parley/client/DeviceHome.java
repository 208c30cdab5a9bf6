package dev.parley.client;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.SearchResult;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Where this device should be registered so that every device of its account sits on one super
 * node (docs/protocol.md "Several devices"): a search finds the devices of one super node, so
 * devices spread over several would not all ring. After each join the device searches for its own
 * name elsewhere ({@code Search.elsewhere}: its super node asks the mesh when this device is
 * alone there) and moves to the
 * super node of an earlier-registered sibling; the earlier one never moves, so two devices joining
 * at once do not swap places.
 */
final class DeviceHome {
    private final String username;
    private final byte[] ownKey;
    private final byte[] serverKey;
    private final InstantSource clock;

    /**
     * @param username our canonical name
     * @param ownKey this device's Ed25519 public key (its device id)
     * @param serverKey the login server's key, which certifies every device's credential
     */
    DeviceHome(String username, byte[] ownKey, byte[] serverKey, InstantSource clock) {
        this.username = username;
        this.ownKey = ownKey.clone();
        this.serverKey = serverKey.clone();
        this.clock = clock;
    }

    /** @return completes with the super node to move to; none to stay (also when the search fails) */
    CompletableFuture<@Nullable HostPort> target(SuperNodeSession session) {
        return session.searchOtherDevices(username).handle((r, e) -> e != null ? null
                : choose(r, session.superNode(), session.presenceSignedAtMs()));
    }

    /**
     * @param r a search for our own name
     * @param current the super node this device is registered with
     * @param ownSignedAtMs when this device signed its presence there
     * @return the super node of a sibling device (verified record) that registered before us,
     *     unless it is {@code current}; none to stay
     */
    @Nullable HostPort choose(SearchResult r, HostPort current, long ownSignedAtMs) {
        if (!r.getFound()) {
            return null;
        }
        List<PresenceRecord> records = new ArrayList<>();
        records.add(r.getRecord());
        records.addAll(r.getDevicesList());
        for (PresenceRecord d : records) {
            try {
                PresenceRecords.verify(serverKey, d, username, clock.instant(), PresenceRecords.DEFAULT_MAX_AGE);
            } catch (ProtocolException e) {
                continue; // a super node's invention: not followed
            }
            HostPort at = HostPort.of(d.getSuperNode());
            if (Arrays.equals(d.getCredential().getPublicKey().toByteArray(), ownKey) || at.equals(current)) {
                return null; // the search found us, or a sibling already here
            }
            if (d.getSignedAtMs() < ownSignedAtMs) {
                return at;
            }
        }
        return null;
    }
}
