package dev.parley.client.call;

import dev.parley.protocol.wire.Credential;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a caller learns the callee's credential before sealing the INVITE to it: the search
 * (a presence record, verified: signed by the login server and by the user) in production.
 */
@FunctionalInterface
public interface PeerDirectory {
    /** Devices of one user a call rings at most (a super node keeps at most this many per account). */
    int MAX_DEVICES = 8;

    /**
     * @param username the canonical name of the user to call
     * @return completes with their credential; exceptionally with {@code ProtocolException}
     *     ({@code USER_OFFLINE} if they are not online, {@code INVALID_CREDENTIAL} …)
     */
    CompletableFuture<Credential> credentialOf(String username);

    /**
     * The credentials of every device of a user (several devices per account: each its own key),
     * for a call that rings them all.
     *
     * @param username the canonical name of the user to call
     * @return completes with the newest device's credential first, then the others' (at most
     *     {@link #MAX_DEVICES}); exceptionally as {@link #credentialOf}
     */
    default CompletableFuture<List<Credential>> devicesOf(String username) {
        return credentialOf(username).thenApply(List::of);
    }
}
