package dev.parley.client;

import dev.parley.client.call.CallEngine;
import dev.parley.client.call.CallRuntime;
import dev.parley.client.call.CallSettings;
import dev.parley.client.call.CallTrust;
import dev.parley.client.call.CallWarmUp;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.client.call.KeyMemory;
import dev.parley.client.call.NatTraversal;
import dev.parley.client.call.PeerDirectory;
import dev.parley.client.chat.ChatService;
import dev.parley.client.chat.ChatStore;
import dev.parley.client.serve.ServeRole;
import dev.parley.client.serve.ServeSettings;
import dev.parley.codec.sim.ImpairmentSpec;
import dev.parley.nat.ice.CheckConfig;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.LoginResult;
import dev.parley.protocol.wire.SearchResult;
import dev.parley.protocol.wire.PresenceRecord;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Parley client: logged in (design flow 1), registered with a super node (flow 2), able
 * to search (flow 3), to place and receive calls (flow 4), and to keep contacts, presence and
 * instant messages ({@link #chat()}).
 */
public final class ParleyClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class);
    private static final Duration SEARCH_RETRY = Duration.ofMillis(300);
    /** How long the client keeps trying to rejoin the overlay after losing its super node. */
    static final long REJOIN_GIVE_UP_MS = 60_000;

    private final EventLoopGroup io;
    private final ScheduledExecutorService callLoop;
    private final SessionKeeper session;
    private final CallEngine calls;
    private final String username;
    private final byte[] serverKey;
    private final InstantSource clock;
    private final ClientResources resources;
    private final CredentialRenewer renewer;
    private final ChatService chat;
    private final CallHistory history;
    private final Function<String, CompletableFuture<Boolean>> accounts;
    private final @Nullable ServeRole serveRole;

    private ParleyClient(EventLoopGroup io, ScheduledExecutorService callLoop, SessionKeeper session,
            CallEngine calls, String username, byte[] serverKey, InstantSource clock, ClientResources resources,
            CredentialRenewer renewer, ChatService chat, CallHistory history, Function<String, CompletableFuture<Boolean>> accounts,
            @Nullable ServeRole serveRole) {
        this.chat = chat;
        this.history = history;
        this.accounts = accounts;
        this.serveRole = serveRole;
        this.resources = resources;
        this.renewer = renewer;
        this.serverKey = serverKey;
        this.clock = clock;
        this.io = io;
        this.callLoop = callLoop;
        this.session = session;
        this.calls = calls;
        this.username = username;
    }

    /**
     * Logs in and joins the overlay. Blocks until registered.
     *
     * @throws ProtocolException a refusal by the login server or super node (wrong password, …)
     * @throws IOException nothing reachable, or the data directory is unusable or in use by another
     *     client ("data dir X is in use by another parley client")
     */
    public static ParleyClient start(ClientOptions o) throws ProtocolException, IOException {
        return start(o, ServeSettings.OFF);
    }

    /**
     * As {@link #start(ClientOptions)}, also offering to serve as a super node when the login
     * server promotes this client ({@link ServeRole}; docs/architecture.md "Self-organizing overlay").
     * With no super node live yet (an overlay of clients only), waits up to
     * {@link ClientOptions#bootstrapWait()} (default 30 s) for the first.
     *
     * @param serve whether and how to serve ({@link ServeSettings#OFF}: never)
     */
    public static ParleyClient start(ClientOptions o, ServeSettings serve) throws ProtocolException, IOException {
        DataDirLock lock = DataDirLock.acquire(o.dataDir()); // before anything reads or writes the directory
        ScheduledExecutorService disk = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("client-disk", true));
        HostCacheSaver saver = null;
        EventLoopGroup io = new NioEventLoopGroup(1, new DefaultThreadFactory("client-io", true));
        ScheduledExecutorService callLoop = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("call-engine", true));
        ScheduledExecutorService chatThread = null;
        // Load libopus (JNA) and the media classes now, off the network loops, so the first call
        // does not pay for it during setup.
        callLoop.execute(ClientWarmUp::codec);
        ServeRole serveRole = null;
        try {
            ClientStore store = new ClientStore(o.dataDir());
            Ed25519KeyPair identity = store.identity();
            LoginResult login = ClientLogin.login(io, store, o, identity);
            callLoop.execute(() -> ClientWarmUp.signalling(login, o.clock()));
            // One loopback call's media path (ICE + RTP), while we join: the first real call's
            // setup then runs warm code (docs/nat.md "Setup time").
            Future<Boolean> warmCall = callLoop.submit(CallWarmUp::run);
            HostCache hostCache = store.hostCache(o.clock());
            login.getSuperNodesList().forEach(a -> hostCache.add(HostPort.of(a)));
            List<HostPort> candidates = o.superNode() != null ? List.of(o.superNode()) : hostCache.entries();
            SignalInbox signals = new SignalInbox();
            OverlayJoin.JoinObserver observer = new OverlayJoin.JoinObserver() {
                @Override
                public void succeeded(HostPort superNode, long rttMs) {
                    hostCache.recordSuccess(superNode, rttMs);
                }

                @Override
                public void failed(HostPort superNode) {
                    hostCache.recordFailure(superNode);
                }
            };
            // The login server's key (checked against the pin at login): it certifies super nodes and users.
            byte[] loginKey = login.getServerPublicKey().toByteArray();
            // Renewed before it expires (75 % of its lifetime), without the password; rejoins use the newest.
            SslContext loginTls = Tls.client(store.loginKeyPin(o.loginKey()).verifier());
            CredentialRenewer renewer = new CredentialRenewer(io.next(), o.clock(), loginKey,
                    login.getCredential(), c -> LoginServers.inOrder(o.logins(), server -> LoginClient.renew(io, server, loginTls, c, identity, o.clock())));
            SessionKeeper.Joiner direct = (sns, lost) -> OverlayJoin
                    .join(io, sns, loginKey, renewer.credential(), identity, List.of(), signals, o.clock(), observer, lost);
            // When no super node of the host cache answers (e.g. the one it had left a self-organizing
            // overlay) or has room (SUPER_NODE_FULL), ask the login server for the live ones and try those.
            SessionKeeper.Joiner join = (sns, lost) -> direct.join(sns, lost)
                    .exceptionallyCompose(e -> Futures.unwrap(e) instanceof ProtocolException pe
                            && pe.code() != ErrorCode.SUPER_NODE_FULL || o.superNode() != null
                            ? CompletableFuture.failedFuture(e)
                            : FirstSuperNodes.fetch(io, o.login(), loginTls).thenCompose(live -> {
                                live.forEach(hostCache::add);
                                List<HostPort> untried = live.stream().filter(a -> !sns.contains(a)).toList();
                                return untried.isEmpty() ? CompletableFuture.failedFuture(e) : direct.join(untried, lost);
                            }));
            serveRole = serve.enabled() && o.superNode() == null ? ServeRole.start(io, o.logins(), loginTls, loginKey,
                    o.dataDir(), serve, o.clock(), new SecureRandom()) : null;
            List<HostPort> via = candidates.isEmpty()
                    ? FirstSuperNodes.await(io, o.login(), loginTls, o.bootstrapWait().toMillis()) : candidates;
            via.forEach(hostCache::add);
            SuperNodeSession first = ClientLogin.await(join.join(via, null));
            first.sharedSuperNodes().forEach(hostCache::add); // gossip grows the cache (bounded, scored)
            hostCache.save();
            // From now on every change (rejoins, gossip) is saved, coalesced, on the disk thread.
            saver = new HostCacheSaver(hostCache, disk, HostCacheSaver.DEFAULT_INTERVAL);
            // Rejoins through the host cache when the super node goes away (docs/nat.md "Path failover").
            SessionKeeper session = new SessionKeeper(io, first, join, hostCache::entries, REJOIN_GIVE_UP_MS);
            CallSettings settings = new CallSettings(login.getCredential().getUsername(),
                    login.getCredential(), loginKey, new InetSocketAddress(0), first.localHost(), o.bitrateKbps(),
                    o.jitterBufferMs(), o.ringTimeout(), Duration.ofMillis(400), o.impairment());
            // The super node serves STUN and the UDP relay on its own port number (UDP); after a
            // rejoin that is the new super node.
            NatTraversal nat = new NatTraversal(() -> {
                HostPort sn = session.superNode();
                return List.of(new InetSocketAddress(sn.host(), sn.port()));
            }, new SessionRelays(io, session::require), CheckConfig.DEFAULTS, o.relayOnly());
            CallRuntime runtime = CallRuntime.system(callLoop, o.clock(), o.random(), settings.mediaBind());
            // The callee's credential (certified keys) comes from a verified search: a lying super node cannot substitute it.
            Function<String, CompletableFuture<Boolean>> accounts = name -> LoginClient.accountExists(io, o.login(), loginTls, name);
            PeerDirectory directory = new VerifiedSearch(session, loginKey, o.clock()).directory(accounts); // every device
            KeyMemory contactKeys = store.contactKeys(disk); // one memory: calls and chat pin the same keys
            CallTrust trust = CallTrust.of(identity, directory, contactKeys);
            CallHistory history = CallHistory.load(o.dataDir().resolve("calls.tsv"), disk);
            CallEngine engine = new CallEngine(settings, trust, nat, runtime, signal -> session.require().thenCompose(s -> s.signal(signal)),
                    o.policy(), history.recording(o.listener(), o.clock()::millis));
            signals.deliverTo(engine);
            // Contacts, presence and messages: the database in the data dir, owned by the chat thread.
            chatThread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("client-chat", true));
            ChatStore chatDb;
            try {
                chatDb = ChatStore.open(o.dataDir().resolve(ChatStore.FILE));
            } catch (SQLException e) {
                throw new IOException(e.getMessage(), e);
            }
            ChatService chat = new ChatService(chatDb, new SessionChat(session, directory), identity, renewer::credential,
                    loginKey, contactKeys, o.clock(), o.random(), chatThread);
            signals.chatTo(chat);
            session.listener(new SessionKeeper.Listener() {
                @Override
                public void lost(HostPort superNode) {
                    engine.onSuperNodeLost(superNode);
                }

                @Override
                public void rejoined(HostPort superNode) {
                    engine.onSuperNodeRejoined(superNode);
                    chat.joined();
                }
            });
            chat.joined();
            // every device of the account on one super node, so that all of them ring
            session.colocate(new DeviceHome(login.getCredential().getUsername(), identity.publicKey(), loginKey, o.clock()));
            engine.prepareMedia();
            try {
                warmCall.get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.debug("call warm-up: {}", e.toString());
            }
            renewer.start(renewed -> {
                disk.execute(() -> saveLogin(store, renewed));
                engine.credentialRenewed(renewed.getCredential());
                SuperNodeSession current = session.session();
                if (current != null) { // else the rejoin under way registers with the new credential
                    current.reregister(renewed.getCredential(), identity, List.of(), o.clock()).whenComplete((ok, e) -> {
                        if (e != null) {
                            log.warn("re-registering with {} failed: {}", current.superNode(), e.getMessage());
                        }
                    });
                }
            });
            log.info("{} registered with super node {}", settings.self(), session.superNode());
            return new ParleyClient(io, callLoop, session, engine, settings.self(), loginKey, o.clock(), new ClientResources(lock, disk, saver), renewer,
                    chat, history, accounts, serveRole);
        } catch (ProtocolException | IOException | RuntimeException e) {
            if (serveRole != null) {
                serveRole.close();
            }
            callLoop.shutdownNow();
            if (chatThread != null) {
                chatThread.shutdownNow();
            }
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            new ClientResources(lock, disk, saver).close();
            throw e;
        }
    }

    private static void saveLogin(ClientStore store, LoginResult result) {
        try {
            store.saveLogin(result);
        } catch (IOException e) {
            log.warn("saving the renewed credential failed: {}", e.getMessage());
        }
    }

    /** @return the newest credential (renewed before it expires) */
    public Credential credential() {
        return renewer.credential();
    }

    /**
     * @return completes with the login server's refusal to renew the credential (e.g.
     *     {@code ACCOUNT_DISABLED}); the session then ends when the credential expires
     */
    public CompletableFuture<ProtocolException> renewalRefused() {
        return renewer.refused();
    }

    /** @return the canonical username */
    public String username() {
        return username;
    }

    /** @return the super node this client is registered with */
    public HostPort superNode() {
        return session.superNode();
    }

    /** @return this client's super-node role, none if it does not offer to serve */
    public @Nullable ServeRole serveRole() {
        return serveRole;
    }

    /** @return the current super-node session, none while rejoining (tests) */
    @Nullable SuperNodeSession session() {
        return session.session();
    }

    /** @return the client's I/O event loops (tests) */
    EventLoopGroup io() {
        return io;
    }

    /**
     * Asks the login server whether an account of this name exists, e.g. before waiting for a callee
     * to come online (a typo cannot).
     *
     * @return completes with the answer; exceptionally with {@link ProtocolException} ({@code
     *     INVALID_USERNAME}, {@code RATE_LIMITED}) or an I/O failure (login server unreachable)
     */
    public CompletableFuture<Boolean> accountExists(String name) {
        return accounts.apply(name);
    }

    /** @return the call history, missed calls included (kept in the data dir's {@code calls.tsv}) */
    public CallHistory history() {
        return history;
    }

    /** @return the call engine */
    public CallEngine calls() {
        return calls;
    }

    /** @return contacts, presence and instant messages */
    public ChatService chat() {
        return chat;
    }

    /**
     * Searches once and verifies the answer's presence record ({@link PresenceRecords#verify}: the
     * login server's credential, the user's own signature, freshness), so a lying super node cannot
     * redirect calls. While the client is rejoining the overlay the search waits for the new super
     * node, and a search whose super node is lost before it answers is sent once more after the
     * rejoin ({@link RetryAfterLoss}, each wait at most {@link RetryAfterLoss#DEFAULT_WAIT}).
     *
     * @return the result; exceptionally {@link IOException} (no super node within the wait),
     *     {@link ProtocolException}: {@code INVALID_USERNAME},
     *     {@code RATE_LIMITED} (from the super node), {@code INVALID_CREDENTIAL} /
     *     {@code EXPIRED_CREDENTIAL} (the record does not verify)
     */
    public CompletableFuture<SearchResult> search(String name) {
        return new VerifiedSearch(session, serverKey, clock).search(name);
    }

    /**
     * The devices this account is signed in on (several devices per account), as its super node
     * answers a search for our own name: each device's verified presence record, newest first (this
     * device first, with its credential and super node only, when the others are elsewhere).
     *
     * @return completes with the records (empty if none is found); exceptionally as {@link #search}
     */
    public CompletableFuture<List<PresenceRecord>> devices() {
        return new VerifiedSearch(session, serverKey, clock).devices(username, credential(), superNode());
    }

    /**
     * Searches until the user is online or {@code timeout} passes.
     *
     * @return the last result (found or not)
     */
    public SearchResult awaitOnline(String name, Duration timeout) throws ProtocolException, IOException {
        return awaitOnline(name, timeout, () -> { });
    }

    /**
     * As {@link #awaitOnline(String, Duration)}; {@code firstMiss} runs once when the first search
     * found nobody, so a user can be told that the wait has begun (a typo should not look like a hang).
     */
    public SearchResult awaitOnline(String name, Duration timeout, Runnable firstMiss) throws ProtocolException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean told = false;
        while (true) {
            SearchResult r = ClientLogin.await(search(name));
            if (r.getFound() || System.nanoTime() > deadline) {
                return r;
            }
            if (!told) {
                told = true;
                firstMiss.run();
            }
            try {
                TimeUnit.MILLISECONDS.sleep(SEARCH_RETRY.toMillis()); // polling interval, not a race fix
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
        }
    }

    /**
     * @return completes when the client has lost the overlay for good: its super node went away and
     *     no other could be joined within {@value #REJOIN_GIVE_UP_MS} ms (or the client was closed)
     */
    public CompletableFuture<Void> disconnected() {
        return session.gaveUp();
    }

    @Override
    public void close() {
        try {
            calls.hangupAll().get(2, TimeUnit.SECONDS); // every BYE taken by the super node before its connection closes
        } catch (Exception e) {
            log.debug("hangup on close failed", e);
        }
        calls.close();
        chat.close();
        try {
            history.flush().get(1, TimeUnit.SECONDS); // the last call's entry, before the disk thread stops
        } catch (Exception e) {
            log.debug("saving the call history on close failed", e);
        }
        renewer.close();
        session.close();
        if (serveRole != null) {
            serveRole.close();
        }
        callLoop.shutdown();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        resources.close();
    }
}
