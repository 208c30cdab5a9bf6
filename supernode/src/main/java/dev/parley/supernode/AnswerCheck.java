package dev.parley.supernode;

import com.github.benmanes.caffeine.cache.Cache;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.PeerLookupResult;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a peer's answer to a lookup may be believed: its presence record verifies (the login
 * server's credential, the user's own signature, freshness) and names the peer that answered as the
 * user's super node. A record whose signatures already verified is not verified again (two Ed25519
 * checks saved per repeated answer); its age still is.
 */
final class AnswerCheck {
    private static final Logger log = LoggerFactory.getLogger(AnswerCheck.class);
    private final Supplier<byte @Nullable []> serverKey;
    private final InstantSource clock;
    private final SearchSettings settings;
    /** Records whose signatures already verified, by username. */
    private final Cache<String, PresenceRecord> verified;

    AnswerCheck(Supplier<byte @Nullable []> serverKey, InstantSource clock, SearchSettings settings,
            Cache<String, PresenceRecord> verified) {
        this.serverKey = serverKey;
        this.clock = clock;
        this.settings = settings;
        this.verified = verified;
    }

    /**
     * @param peer the super node that answered
     * @param username the canonical name looked up
     * @param record what it answered
     * @throws ProtocolException INTERNAL (login server key unknown yet), INVALID_CREDENTIAL or
     *     EXPIRED_CREDENTIAL (the record does not verify, is stale, or names another super node)
     */
    void check(HostPort peer, String username, PresenceRecord record) throws ProtocolException {
        byte[] key = serverKey.get();
        if (key == null) {
            throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known");
        }
        if (record.equals(verified.getIfPresent(username))) {
            // Same bytes as a record that verified: only its age can have changed.
            long ageMs = clock.millis() - record.getSignedAtMs();
            if (ageMs > settings.presenceMaxAge().toMillis() || clock.millis() > record.getCredential().getExpiresAtMs()
                    + Credentials.CLOCK_SKEW.toMillis()) {
                throw new ProtocolException(ErrorCode.EXPIRED_CREDENTIAL, "presence record is stale");
            }
        } else {
            PresenceRecords.verify(key, record, username, clock.instant(), settings.presenceMaxAge());
        }
        if (!HostPort.of(record.getSuperNode()).equals(peer)) {
            throw new ProtocolException(ErrorCode.INVALID_CREDENTIAL,
                    "record names " + HostPort.of(record.getSuperNode()) + " as the super node");
        }
        verified.put(username, record);
    }

    /**
     * The location a peer's lookup answer gives, if it is found and its record checks out; each
     * device record is checked on its own (a peer cannot add a device of its own making) and one
     * that does not is left out.
     *
     * @param rejected counts every record (main or device) that did not check out
     * @return empty if not found or the main record does not check out
     */
    Optional<Location> accept(HostPort peer, String username, PeerLookupResult r, LongAdder rejected) {
        if (!r.getFound()) {
            return Optional.empty();
        }
        PresenceRecord record = r.getRecord();
        try {
            check(peer, username, record);
        } catch (ProtocolException | IllegalArgumentException e) {
            rejected.increment();
            log.debug("peer {} answered an unacceptable record for {}: {}", peer, username, e.getMessage());
            return Optional.empty();
        }
        List<PresenceRecord> devices = new ArrayList<>();
        for (PresenceRecord device : r.getDevicesList().subList(0, Math.min(r.getDevicesCount(), PresenceIndex.MAX_DEVICES - 1))) {
            try {
                check(peer, username, device);
                devices.add(device);
            } catch (ProtocolException | IllegalArgumentException e) {
                rejected.increment();
                log.debug("peer {} answered an unacceptable device record for {}: {}", peer, username, e.getMessage());
            }
        }
        return Optional.of(new Location(record, peer, false, devices));
    }
}
