package dev.parley.app.bots;

import dev.parley.client.SuperNodeSession;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.Credential;

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

    Bot(int index, String username, Ed25519KeyPair key, boolean churner) {
        this.index = index;
        this.username = username;
        this.key = key;
        this.churner = churner;
    }

    boolean online() {
        SuperNodeSession s = session;
        return s != null && !s.closeFuture().isDone();
    }

    /** @return the bot's password (derived from its name: these accounts are throwaway) */
    String password() {
        return "bot-password-" + username;
    }
}
