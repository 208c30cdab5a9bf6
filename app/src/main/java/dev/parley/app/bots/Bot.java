package dev.parley.app.bots;

import dev.parley.client.SuperNodeSession;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Credential;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One scripted client: a username, a key pair, its credential and its super-node session. Bots
 * own no thread: their connections live on the fleet's shared event loops.
 */
final class Bot {
    final int index;
    final String username;
    final Ed25519KeyPair key;
    /** Churners log in and out during the run; the others stay online (search targets and searchers). */
    final boolean churner;
    volatile Credential credential;
    volatile HostPort superNode;
    volatile SuperNodeSession session;
    /** Completes with the bot's next session (registration), then replaced. */
    private volatile CompletableFuture<SuperNodeSession> next = new CompletableFuture<>();

    Bot(int index, String username, Ed25519KeyPair key, boolean churner) {
        this.index = index;
        this.username = username;
        this.key = key;
        this.churner = churner;
    }

    /** The bot registered with {@code s}: its session now, and the next one for those waiting ({@link #sessionAfter}). */
    void registered(SuperNodeSession s) {
        session = s;
        CompletableFuture<SuperNodeSession> waiting = next;
        next = new CompletableFuture<>();
        waiting.complete(s);
    }

    /**
     * @return completes with an open session other than {@code lost}: the current one at once, else
     *     the next registration (never, if the bot stays logged out: callers bound the wait on a copy)
     */
    CompletableFuture<SuperNodeSession> sessionAfter(@Nullable SuperNodeSession lost) {
        CompletableFuture<SuperNodeSession> upcoming = next; // before reading the session: a registration in between completes it
        SuperNodeSession s = session;
        return s != null && s != lost && s.isActive() ? CompletableFuture.completedFuture(s) : upcoming;
    }

    boolean online() {
        SuperNodeSession s = session;
        return s != null && s.isActive(); // not closeFuture().isDone(): that future completes on the event loop, later
    }

    /** @return the bot's password (derived from its name: these accounts are throwaway) */
    String password() {
        return "bot-password-" + username;
    }
}
