package dev.parley.client;

import dev.parley.client.call.CallEngine;
import dev.parley.client.call.CallRuntime;
import dev.parley.client.call.CallSettings;
import dev.parley.client.call.CallTrust;
import dev.parley.client.call.CallWarmUp;
import dev.parley.client.call.KeyMemory;
import dev.parley.client.call.NatTraversal;
import dev.parley.client.call.PeerDirectory;
import dev.parley.client.chat.ChatService;
import dev.parley.client.chat.ChatStore;
import dev.parley.client.serve.ServeRole;
import dev.parley.client.serve.ServeSettings;
import dev.parley.nat.ice.CheckConfig;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.Futures;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.LoginResult;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and starts a {@link ParleyClient}, in order: data-dir lock, login (design flow 1), join
 * through the host cache with the login server's live super nodes as fallback (flow 2), session
 * keeper for rejoins, call engine (flow 4), chat, credential renewal; with warm-ups of the codec, the
 * signalling code and one loopback call's media path on the call loop meanwhile (docs/nat.md
 * "Setup time"). On failure everything started so far is shut down again.
 */
final class ClientStartup {
    private static final Logger log = LoggerFactory.getLogger(ParleyClient.class); // the client's log

    private ClientStartup() {
    }

    /** As {@link ParleyClient#start(ClientOptions, ServeSettings)}, which documents it. */
    static ParleyClient start(ClientOptions o, ServeSettings serve) throws ProtocolException, IOException {
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
            SessionKeeper session = new SessionKeeper(io, first, join, hostCache::entries, ParleyClient.REJOIN_GIVE_UP_MS);
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
}
