package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.MailboxAcks;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.RateBucket;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ChatPurpose;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.MailboxAck;
import dev.parley.protocol.wire.MailboxContents;
import dev.parley.protocol.wire.MailboxFetch;
import dev.parley.protocol.wire.MailboxStore;
import dev.parley.protocol.wire.RoutedChat;
import dev.parley.supernode.store.Mailboxes;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A super node's part in contacts, presence and messages (docs/protocol.md "Contacts, presence and
 * messages"): routes sealed chat packets to their recipients as call signals are routed
 * ({@link SignalRouter#routeTo}), keeps storable ones for offline recipients on
 * {@value ChatLimits#REPLICAS} mailbox replicas ({@link MailboxReplicas}), serves mailbox fetches and
 * signed deletions, and enforces the node-wide contact-request limits (one request per pair per
 * window, incoming requests per recipient).
 *
 * <p>Its mutable state (mailboxes, the pair and per-recipient request memories, all bounded) is
 * confined to one executor; every method may be called from any thread.
 */
final class ChatRelay {
    private static final Logger log = LoggerFactory.getLogger(ChatRelay.class);
    /** Remembered contact-request pairs and per-recipient buckets, each. */
    static final int MAX_REMEMBERED = 10_000;

    private final HostPort self;
    private final Supplier<List<HostPort>> livePeers;
    private final SignalRouter router;
    private final PeerConnections peers;
    private final Duration peerTimeout;
    private final Supplier<byte @Nullable []> serverKey;
    private final InstantSource clock;
    private final EventExecutor executor;
    private final ChatLimits limits;
    private final Mailboxes mailboxes; // executor only
    private final Map<String, PairRequest> requestPairs = bounded(); // "from to" -> last request; executor only
    private final Map<String, RateBucket> incomingRequests = bounded(); // recipient -> bucket; executor only
    private final Map<String, FanOut> lastIncoming = bounded(); // recipient -> its last request's copies; executor only

    ChatRelay(HostPort self, Supplier<List<HostPort>> livePeers, SignalRouter router, PeerConnections peers,
            Duration peerTimeout, Supplier<byte @Nullable []> serverKey, InstantSource clock, EventExecutor executor,
            ChatLimits limits) {
        this.self = self;
        this.livePeers = livePeers;
        this.router = router;
        this.peers = peers;
        this.peerTimeout = peerTimeout;
        this.serverKey = serverKey;
        this.clock = clock;
        this.executor = executor;
        this.limits = limits;
        this.mailboxes = new Mailboxes(limits.mailbox());
    }

    private static <V> Map<String, V> bounded() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_REMEMBERED;
            }
        };
    }

    ChatLimits limits() {
        return limits;
    }

    /**
     * Sends a local client's packet: to the recipient if online, else (if it asks to be stored and
     * its purpose may be) into the recipient's mailbox replicas.
     *
     * @param packet checked by the caller: well-formed, {@code from} is the session's user
     * @return completes when delivered to the recipient's super node or kept by at least one
     *     replica; exceptionally {@link ProtocolException}: {@code RATE_LIMITED} (a request to this
     *     recipient within the pair window, or the recipient's incoming requests), {@code USER_OFFLINE}
     *     (offline and not stored), {@code MAILBOX_FULL}
     */
    CompletableFuture<Void> send(ChatPacket packet, SignalRouter.SearchBudget budget) {
        CompletableFuture<Void> admitted = packet.getPurpose() == ChatPurpose.CONTACT_REQUEST
                ? CompletableFuture.runAsync(() -> admitRequest(packet), executor) : CompletableFuture.completedFuture(null);
        return admitted.thenCompose(x -> route(packet, budget)).handle((ok, e) -> {
            if (e == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = PeerConnections.unwrap(e);
            if (cause instanceof ProtocolException pe && pe.code() == ErrorCode.USER_OFFLINE && packet.getStore()) {
                return store(packet);
            }
            return CompletableFuture.<Void>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Void> route(ChatPacket packet, SignalRouter.SearchBudget budget) {
        return router.routeTo(packet.getTo(), Envelopes.builder(0).setChatPacket(packet).build(),
                Envelope.newBuilder().setRoutedChat(RoutedChat.newBuilder().setPacket(packet)), what(packet), budget);
    }

    private static String what(ChatPacket p) {
        return "chat " + p.getPurpose() + " " + p.getFrom() + " -> " + p.getTo();
    }

    /** Executor only. @throws CompletionException with RATE_LIMITED */
    private void admitRequest(ChatPacket packet) {
        long now = clock.millis();
        String pair = packet.getFrom() + " " + packet.getTo();
        PairRequest last = requestPairs.get(pair);
        if (last != null && last.messageId().equals(packet.getMessageId())) {
            return; // the sender's retry of the same request
        }
        if (last != null && now - last.atMs() < limits.requestPairWindow().toMillis()) {
            throw new CompletionException(new ProtocolException(ErrorCode.RATE_LIMITED, String.format(
                    "contact request %s -> %s: one per %d min (a request is pending)", packet.getFrom(), packet.getTo(),
                    limits.requestPairWindow().toMinutes())));
        }
        if (router.isLocal(packet.getTo())) { // delivered here without a RoutedChat: the recipient's allowance applies too
            admitIncoming(packet);
        }
        requestPairs.put(pair, new PairRequest(packet.getMessageId(), now));
    }

    private record PairRequest(ByteString messageId, long atMs) {}

    /**
     * A packet a peer routed to a user registered here; contact requests count against the
     * recipient's incoming allowance.
     *
     * @return completes when pushed; exceptionally {@code USER_OFFLINE} or {@code RATE_LIMITED}
     */
    CompletableFuture<Void> deliverRouted(ChatPacket packet) {
        CompletableFuture<Void> admitted = packet.getPurpose() == ChatPurpose.CONTACT_REQUEST
                ? CompletableFuture.runAsync(() -> admitIncoming(packet), executor) : CompletableFuture.completedFuture(null);
        return admitted.thenRun(() -> {
            if (!router.deliverLocal(packet.getTo(), Envelopes.builder(0).setChatPacket(packet).build(), what(packet))) {
                throw new CompletionException(SignalRouter.offline(packet.getTo()));
            }
        });
    }

    /** Executor only. Copies of one request for the recipient's devices (same message id) count once. */
    private void admitIncoming(ChatPacket packet) {
        String recipient = packet.getTo();
        FanOut last = lastIncoming.get(recipient);
        if (last != null && last.another(packet)) {
            return;
        }
        lastIncoming.put(recipient, FanOut.first(packet));
        long now = clock.millis();
        RateBucket bucket = incomingRequests.computeIfAbsent(recipient,
                k -> new RateBucket(limits.incomingRequestsPerMinute() / 60.0, limits.incomingRequestsPerMinute(), now));
        long waitMs = bucket.tryTake(1, now);
        if (waitMs > 0) {
            throw new CompletionException(new ProtocolException(ErrorCode.RATE_LIMITED, String.format(
                    "contact requests to '%s': more than %d a minute; retry in %d ms", recipient,
                    limits.incomingRequestsPerMinute(), waitMs)));
        }
    }

    /** Stores a packet on the recipient's replicas. @return completes when at least one kept it */
    CompletableFuture<Void> store(ChatPacket packet) {
        List<HostPort> replicas = MailboxReplicas.choose(packet.getTo(), self, livePeers.get(), ChatLimits.REPLICAS);
        List<CompletableFuture<@Nullable Throwable>> tries = new ArrayList<>();
        for (HostPort r : replicas) {
            CompletableFuture<Void> kept = r.equals(self) ? keep(packet)
                    : peers.request(r, Envelope.newBuilder().setMailboxStore(MailboxStore.newBuilder().setPacket(packet)),
                            peerTimeout).thenApply(env -> null);
            tries.add(kept.handle((ok, e) -> e == null ? null : PeerConnections.unwrap(e)));
        }
        return CompletableFuture.allOf(tries.toArray(CompletableFuture[]::new)).thenCompose(x -> {
            Throwable last = null;
            int stored = 0;
            for (CompletableFuture<@Nullable Throwable> t : tries) {
                Throwable e = t.join();
                if (e == null) {
                    stored++;
                } else {
                    last = e;
                }
            }
            log.info("{}: kept by {}/{} mailbox replicas", what(packet), stored, replicas.size());
            if (stored > 0) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            return CompletableFuture.<Void>failedFuture(last instanceof ProtocolException pe && pe.code() == ErrorCode.MAILBOX_FULL
                    ? pe : new ProtocolException(ErrorCode.USER_OFFLINE, "user '" + packet.getTo()
                            + "' is not online and no mailbox replica kept the packet"));
        });
    }

    /**
     * Keeps a packet as a replica (a peer's {@code MailboxStore}, or this node's own choice): the
     * sender's credential and signature are checked first, so no super node can fill a sender's
     * allowance with forged packets.
     */
    CompletableFuture<Void> keep(ChatPacket packet) {
        return CompletableFuture.runAsync(() -> {
            byte[] key = serverKey.get();
            try {
                if (key == null) {
                    throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known");
                }
                ChatSeals.verify(packet, key);
                if (!ChatSeals.storable(packet.getPurpose()) || !packet.getStore()) {
                    throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat packet: " + packet.getPurpose() + " is not for a mailbox");
                }
                long now = clock.millis();
                try {
                    mailboxes.put(packet, now);
                } catch (ProtocolException full) {
                    if (mailboxes.expire(now) == 0) {
                        throw full;
                    }
                    mailboxes.put(packet, now);
                }
            } catch (ProtocolException e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    /** @return this replica's page of {@code user}'s mailbox for {@code device} (empty: every device's) */
    CompletableFuture<MailboxContents> fetchLocal(String user, ByteString device) {
        return CompletableFuture.supplyAsync(() -> {
            Mailboxes.Page page = mailboxes.fetch(user, device, ChatLimits.MAX_FETCH_BYTES, clock.millis());
            return MailboxContents.newBuilder().addAllPackets(page.packets()).setMore(page.more()).build();
        }, executor);
    }

    /**
     * A local client's fetch: the pages of its replicas (one more than a store uses, in case the
     * views differ by one super node), merged by (message id, device), within {@link ChatLimits#MAX_FETCH_BYTES}.
     *
     * @param device the fetching session's device: only its copies are asked for (another device's
     *     would fill every page and starve it)
     */
    CompletableFuture<MailboxContents> fetch(String user, ByteString device) {
        List<CompletableFuture<MailboxContents>> pages = new ArrayList<>();
        for (HostPort r : MailboxReplicas.choose(user, self, livePeers.get(), ChatLimits.REPLICAS + 1)) {
            pages.add((r.equals(self) ? fetchLocal(user, device)
                    : peers.request(r, Envelope.newBuilder().setMailboxFetch(MailboxFetch.newBuilder().setUsername(user)
                            .setDevice(device)), peerTimeout)
                            .thenApply(Envelope::getMailboxContents))
                    .exceptionally(e -> MailboxContents.getDefaultInstance()));
        }
        return CompletableFuture.allOf(pages.toArray(CompletableFuture[]::new)).thenApply(x -> {
            MailboxContents.Builder out = MailboxContents.newBuilder();
            Set<Object> seen = new HashSet<>();
            int bytes = 0;
            for (CompletableFuture<MailboxContents> f : pages) {
                MailboxContents page = f.join();
                out.setMore(out.getMore() || page.getMore());
                for (ChatPacket p : page.getPacketsList()) {
                    if (!p.getTo().equals(user) || !seen.add(p.getMessageId().concat(p.getRecipientDevice()))
                            || !device.isEmpty() && !p.getRecipientDevice().isEmpty() && !p.getRecipientDevice().equals(device)) {
                        continue; // a replica's answer for someone else (or another device) is not passed on
                    }
                    if (bytes + p.getSerializedSize() > ChatLimits.MAX_FETCH_BYTES && out.getPacketsCount() > 0) {
                        out.setMore(true);
                        continue;
                    }
                    bytes += p.getSerializedSize();
                    out.addPackets(p);
                }
            }
            return out.build();
        });
    }

    /** A local client's signed deletion, forwarded to its replicas. @return completes when all answered */
    CompletableFuture<Void> ack(MailboxAck ack) {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (HostPort r : MailboxReplicas.choose(ack.getCredential().getUsername(), self, livePeers.get(), ChatLimits.REPLICAS + 1)) {
            all.add((r.equals(self) ? ackLocal(ack)
                    : peers.request(r, Envelope.newBuilder().setMailboxAck(ack), peerTimeout)).exceptionally(e -> null));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Deletes acknowledged packets here after checking the recipient's signature. */
    CompletableFuture<Void> ackLocal(MailboxAck ack) {
        return CompletableFuture.runAsync(() -> {
            byte[] key = serverKey.get();
            try {
                if (key == null) {
                    throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known");
                }
                String user = MailboxAcks.verify(key, ack, clock.instant());
                mailboxes.delete(user, ack.getCredential().getPublicKey(), ack.getMessageIdsList()); // only the signer's copies
            } catch (ProtocolException e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    /** Routes a session's presence will (its last words to its contacts); failures are only logged. */
    void fireWill(List<ChatPacket> will) {
        for (ChatPacket p : will) {
            route(p, () -> null).whenComplete((ok, e) -> {
                if (e != null) {
                    log.debug("{}: {}", what(p), PeerConnections.unwrap(e).getMessage());
                }
            });
        }
    }

    /** @return the mailbox counters (tests, metrics): packets kept here */
    CompletableFuture<Integer> kept() {
        return CompletableFuture.supplyAsync(mailboxes::size, executor);
    }
}
