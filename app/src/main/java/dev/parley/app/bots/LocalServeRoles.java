package dev.parley.app.bots;

import dev.parley.client.serve.ServeRole;
import dev.parley.client.serve.ServeSettings;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.supernode.SuperNode;
import dev.parley.supernode.SuperNodeConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Serve roles in this JVM: each runs the real client {@link ServeRole} (offer, reachability probe,
 * promotion, an embedded {@link SuperNode} on its own port of 127.0.0.1). Used by the parent when
 * it can hold every connection, and by the child JVM of {@link ServeRolesProcess}.
 */
final class LocalServeRoles implements ServeRoles {
    /**
     * The embedded super nodes serve thousands of bots from one address: their per-address
     * connection cap and per-client signal and search rates are raised (values, still on).
     */
    static final UnaryOperator<SuperNodeConfig> BOT_LIMITS = c -> c
            .withLimits(c.limits().withConnectionsPerAddress(1_000_000).withSignalLimits(200, 400, 200, 400))
            .withSearch(c.search().withRateLimit(200, 400));

    private final EventLoopGroup io;
    private final HostPort login;
    private final SslContext loginTls;
    private final byte[] loginKey;
    private final Path dir;
    private final long seed;
    private final @Nullable ServeRole[] roles; // guarded by this
    /** The super node each role ran when last asked, and its generation (see {@link Serving#generation}). */
    private final @Nullable SuperNode[] seen; // guarded by this
    private final long[] generation; // guarded by this
    private long generations; // guarded by this

    /**
     * No role runs until {@link #start}.
     *
     * @param loginKey the login server's public key (Ed25519, 32 bytes), pinned
     * @param dir where the roles keep their node keys (one directory each)
     * @param count how many bots may serve
     * @param seed seeds each role's random source (role {@code i}: {@code seed * 100003 + i})
     */
    LocalServeRoles(EventLoopGroup io, HostPort login, byte[] loginKey, Path dir, int count, long seed) {
        this.io = io;
        this.login = login;
        this.loginKey = loginKey.clone();
        this.loginTls = Tls.client(KeyVerifier.pinned(loginKey, "login server"));
        this.dir = dir;
        this.seed = seed;
        this.roles = new ServeRole[count];
        this.seen = new SuperNode[count];
        this.generation = new long[count];
    }

    @Override
    public synchronized void start(int i) throws IOException {
        if (roles[i] != null) {
            return;
        }
        try {
            SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed * 100_003 + i);
            roles[i] = ServeRole.start(io, List.of(login), loginTls, loginKey, dir.resolve("serve" + i),
                    ServeSettings.DEFAULTS, InstantSource.system(), random, BOT_LIMITS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int count() {
        return roles.length;
    }

    @Override
    public synchronized List<Serving> serving() {
        List<Serving> out = new ArrayList<>();
        for (int i = 0; i < roles.length; i++) {
            ServeRole r = roles[i];
            SuperNode sn = r == null ? null : r.superNode();
            if (sn != seen[i]) {
                seen[i] = sn;
                generation[i] = ++generations;
            }
            if (sn != null) {
                boolean ready = sn.ready().isDone() && !sn.ready().isCompletedExceptionally();
                out.add(new Serving(i, generation[i], sn.advertisedAddress(), ready, sn.onlineUsers()));
            }
        }
        return out;
    }

    @Override
    public @Nullable HostPort kill(int i) {
        Detached d = detach(i);
        if (d == null) {
            return null;
        }
        d.crash();
        d.role().close();
        return d.address();
    }

    /**
     * Takes bot {@code i}'s role out (no longer started nor serving here) without closing it: the
     * caller closes it (the child JVM does so after answering, so that a kill, which waits up to
     * seconds for the super node's login link, does not hold up its other answers).
     *
     * @return the role and the address its super node serves at (null when not serving), or null if none runs
     */
    synchronized @Nullable Detached detach(int i) {
        ServeRole r = roles[i];
        roles[i] = null;
        if (r == null) {
            return null;
        }
        SuperNode sn = r.superNode();
        return new Detached(r, sn == null ? null : sn.advertisedAddress());
    }

    /** A role taken out by {@link #detach}, to be closed. */
    record Detached(ServeRole role, @Nullable HostPort address) {
        /**
         * Kills its super node as a process crash would, before the role is closed: every client
         * connection is shut down at once from this thread, and the node says nothing more on their
         * behalf ({@link SuperNode#abortConnections}): its clients see the drop now, not when the
         * node's busy event loops get to each close.
         */
        void crash() {
            SuperNode sn = role.superNode();
            if (sn != null) {
                sn.abortConnections();
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < roles.length; i++) {
            ServeRole r;
            synchronized (this) {
                r = roles[i];
                roles[i] = null;
            }
            if (r != null) {
                r.close();
            }
        }
    }
}
