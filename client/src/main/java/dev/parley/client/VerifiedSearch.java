package dev.parley.client;

import dev.parley.client.call.PeerDirectory;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.PresenceRecord;
import dev.parley.protocol.wire.SearchResult;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Searches whose answers are verified here (docs/protocol.md "Signed presence records"): the
 * record and every device's record (several devices per account) must carry a credential of the
 * login server for the user searched for and the user's own signature, so a lying super node can
 * neither redirect calls nor add a device of its own making.
 */
final class VerifiedSearch {
    private static final Logger log = LoggerFactory.getLogger(VerifiedSearch.class);

    private final SessionKeeper session;
    private final byte[] serverKey;
    private final InstantSource clock;

    VerifiedSearch(SessionKeeper session, byte[] serverKey, InstantSource clock) {
        this.session = session;
        this.serverKey = serverKey;
        this.clock = clock;
    }

    /**
     * @return the result with only the device records that verify (at most {@link PeerDirectory#MAX_DEVICES} - 1),
     *     from the super node the client rejoined with if the one asked was lost before it answered ({@link RetryAfterLoss});
     *     exceptionally {@link ProtocolException} as {@link ParleyClient#search} (the main record does not verify)
     */
    CompletableFuture<SearchResult> search(String name) {
        // While rejoining, the search waits for the new session; a super node lost before it
        // answered is asked again once the client rejoined (both bounded).
        return RetryAfterLoss.firstSession(session::sessionAfter, RetryAfterLoss.DEFAULT_WAIT)
                .thenCompose(s -> RetryAfterLoss.request(s, x -> x.search(name), session::sessionAfter, RetryAfterLoss.DEFAULT_WAIT))
                .thenApply(r -> {
            if (!r.getFound()) {
                return r;
            }
            try {
                String user = Usernames.canonical(name);
                PresenceRecords.verify(serverKey, r.getRecord(), user, clock.instant(), PresenceRecords.DEFAULT_MAX_AGE);
                List<PresenceRecord> devices = verifiedDevices(r, serverKey, user, clock.instant());
                return r.toBuilder().clearDevices().addAllDevices(devices).build();
            } catch (ProtocolException e) {
                throw new CompletionException(e);
            }
        });
    }

    /**
     * Our account's devices: a search for our own name, with this device first when the answer
     * lacks it (e.g. a record older than our renewal), from its credential and super node.
     *
     * @return completes with the records, newest first; exceptionally as {@link #search}
     */
    CompletableFuture<List<PresenceRecord>> devices(String self, Credential own, HostPort superNode) {
        return search(self).thenApply(r -> {
            List<PresenceRecord> all = new ArrayList<>();
            if (r.getFound()) {
                all.add(r.getRecord());
                all.addAll(r.getDevicesList());
            }
            if (all.stream().noneMatch(d -> d.getCredential().getPublicKey().equals(own.getPublicKey()))) {
                all.add(0, PresenceRecord.newBuilder().setCredential(own).setSuperNode(superNode.toAddress()).build());
            }
            return all;
        });
    }

    /**
     * @return the device records of {@code r} that verify for {@code user} (login server's credential,
     *     the device's own signature, freshness), at most {@link PeerDirectory#MAX_DEVICES} - 1; the
     *     others are dropped with a log line
     */
    static List<PresenceRecord> verifiedDevices(SearchResult r, byte[] serverKey, String user, Instant now) {
        List<PresenceRecord> devices = new ArrayList<>();
        for (PresenceRecord d : r.getDevicesList()) {
            if (devices.size() == PeerDirectory.MAX_DEVICES - 1) {
                break;
            }
            try {
                PresenceRecords.verify(serverKey, d, user, now, PresenceRecords.DEFAULT_MAX_AGE);
                devices.add(d);
            } catch (ProtocolException e) {
                log.warn("search for {}: a device record that does not verify was dropped: {}", user, e.getMessage());
            }
        }
        return devices;
    }

    /**
     * @param accounts whether an account exists (to tell "offline" from "no such user")
     * @return where calls and chat learn a user's credentials: every device's, newest first
     */
    PeerDirectory directory(Function<String, CompletableFuture<Boolean>> accounts) {
        return new PeerDirectory() {
            @Override
            public CompletableFuture<Credential> credentialOf(String username) {
                return devicesOf(username).thenApply(list -> list.get(0));
            }

            @Override
            public CompletableFuture<List<Credential>> devicesOf(String username) {
                return search(username).thenCompose(r -> {
                    if (!r.getFound()) {
                        return NoSuchUser.offlineOrUnknown(username, accounts).thenApply(List::of);
                    }
                    List<Credential> all = new ArrayList<>();
                    all.add(r.getRecord().getCredential());
                    r.getDevicesList().forEach(d -> all.add(d.getCredential()));
                    return CompletableFuture.completedFuture(all);
                });
            }
        };
    }
}
