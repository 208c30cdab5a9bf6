package dev.parley.client;

import dev.parley.client.call.CallEngine;
import dev.parley.client.chat.ChatService;
import dev.parley.client.serve.ServeRole;
import dev.parley.client.serve.ServeSettings;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.SearchResult;
import dev.parley.protocol.wire.PresenceRecord;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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

    /** Takes over the parts {@link ClientStartup} built and started; {@link #close()} closes them. */
    ParleyClient(EventLoopGroup io, ScheduledExecutorService callLoop, SessionKeeper session,
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
        return ClientStartup.start(o, serve);
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
