package dev.parley.client.call;

import dev.parley.protocol.wire.Credential;
import java.util.concurrent.CompletableFuture;

/**
 * Where a caller learns the callee's credential before sealing the INVITE to it: the search
 * (a presence record, verified: signed by the login server and by the user) in production.
 */
@FunctionalInterface
public interface PeerDirectory {
    /**
     * @param username the canonical name of the user to call
     * @return completes with their credential; exceptionally with {@code ProtocolException}
     *     ({@code USER_OFFLINE} if they are not online, {@code INVALID_CREDENTIAL} …)
     */
    CompletableFuture<Credential> credentialOf(String username);
}
