package dev.parley.client;

import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/** Why a callee was not found: offline, or no such account (asked of the login server). */
final class NoSuchUser {
    private NoSuchUser() {}

    /**
     * @param accounts asks the login server whether an account exists
     * @return a future failed with {@code USER_NOT_FOUND} ("zed: no such user") if the login server
     *     knows no such account, else (also when it cannot be asked) with {@code USER_OFFLINE}
     */
    static CompletableFuture<Credential> offlineOrUnknown(String name, Function<String, CompletableFuture<Boolean>> accounts) {
        return accounts.apply(name).handle((exists, e) -> {
            if (e == null && !exists) {
                throw new CompletionException(new ProtocolException(ErrorCode.USER_NOT_FOUND, name + ": no such user"));
            }
            throw new CompletionException(new ProtocolException(ErrorCode.USER_OFFLINE, "user '" + name + "' is not online"));
        });
    }
}
