package dev.parley.supernode;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.Futures;
import dev.parley.protocol.MailboxAcks;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.RateBucket;
import dev.parley.protocol.wire.ChatPacket;
import dev.parley.protocol.wire.ChatPurpose;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.PresenceWill;
import io.netty.channel.ChannelHandlerContext;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * One client session's chat requests (docs/protocol.md "Contacts, presence and messages"), for
 * {@link ClientSessionHandler}: {@code ChatPacket}, {@code MailboxFetch}, {@code MailboxAck} and
 * {@code PresenceWill}, each a request answered {@code Ok} (fetch: {@code MailboxContents}) or an
 * error. Per-session buckets come first (packets, contact requests, mesh searches), then the
 * packet's shape and that {@code from} is the session's user; the will is routed when the session
 * ends without a successor ({@link #ended}).
 *
 * <p>Confined to the session's event loop.
 */
final class ClientChat {
    /** Mailbox fetches and acks per session per second (a login reads a page, acks it, reads the next). */
    static final int MAILBOX_REQUESTS_PER_S = 5;
    /** Such requests at once. */
    static final int MAILBOX_REQUEST_BURST = 20;
    private final NodeContext node;
    private final ChatRelay relay;
    private final Supplier<String> user;
    private final RateBucket packets;
    private final RateBucket requests;
    private final RateBucket searches;
    private final RateBucket wills;
    private final RateBucket mailbox; // fetches and acks: each costs a request to every replica
    private List<ChatPacket> will = List.of();
    /** The last packet still being routed, per recipient (bounded by the packet rate); loop only. */
    private final Map<String, CompletableFuture<Void>> routing = new HashMap<>();
    private final Executor loop;
    private final Supplier<ByteString> device;
    private FanOut lastRequest = FanOut.NONE; // the copies of the last contact request; loop only

    /**
     * @param node the super node's shared parts
     * @param relay its chat relay
     * @param user the session's canonical user
     * @param device the session's device id (its credential's Ed25519 key)
     * @param loop the session's event loop
     */
    ClientChat(NodeContext node, ChatRelay relay, Supplier<String> user, Supplier<ByteString> device, Executor loop) {
        this.device = device;
        this.node = node;
        this.loop = loop;
        this.relay = relay;
        this.user = user;
        ChatLimits l = relay.limits();
        long now = node.clock().millis();
        packets = new RateBucket(l.packetsPerS(), l.packetBurst(), now);
        requests = new RateBucket(l.requestsPerMinute() / 60.0, l.requestBurst(), now);
        searches = new RateBucket(l.searchesPerS(), l.searchBurst(), now);
        wills = new RateBucket(1, 10, now); // a will changes on login, contact changes and invisibility
        mailbox = new RateBucket(MAILBOX_REQUESTS_PER_S, MAILBOX_REQUEST_BURST, now);
    }

    /** Serves one chat request (request id already checked). */
    void handle(ChannelHandlerContext ctx, long id, Envelope msg) {
        CompletableFuture<Envelope> answer;
        try {
            answer = switch (msg.getBodyCase()) {
                case CHAT_PACKET -> send(msg.getChatPacket()).thenApply(x -> Envelopes.ok(id));
                case MAILBOX_FETCH -> {
                    take(mailbox, "mailbox requests", MAILBOX_REQUESTS_PER_S + "/s");
                    yield relay.fetch(user.get(), device.get()).thenApply(c -> Envelopes.builder(id).setMailboxContents(c).build());
                }
                case MAILBOX_ACK -> {
                    take(mailbox, "mailbox requests", MAILBOX_REQUESTS_PER_S + "/s");
                    yield ack(msg).thenApply(x -> Envelopes.ok(id));
                }
                case PRESENCE_WILL -> {
                    setWill(msg.getPresenceWill());
                    yield CompletableFuture.completedFuture(Envelopes.ok(id));
                }
                default -> throw new IllegalArgumentException("not a chat request: " + msg.getBodyCase());
            };
        } catch (ProtocolException e) {
            ctx.writeAndFlush(Envelopes.error(id, e));
            return;
        }
        answer.whenCompleteAsync((env, e) -> {
            if (e == null) {
                ctx.writeAndFlush(env);
            } else if (Futures.unwrap(e) instanceof ProtocolException pe) {
                ctx.writeAndFlush(Envelopes.error(id, pe));
            } else {
                ctx.writeAndFlush(Envelopes.error(id, ErrorCode.INTERNAL, "chat: " + Futures.unwrap(e).getMessage()));
            }
        }, ctx.executor());
    }

    private CompletableFuture<Void> send(ChatPacket packet) throws ProtocolException {
        take(packets, "chat packets", relay.limits().packetsPerS() + "/s");
        if (packet.getPurpose() == ChatPurpose.CONTACT_REQUEST && !lastRequest.another(packet)) {
            // one request costs one token, however many devices of the recipient get a copy
            take(requests, "contact requests", relay.limits().requestsPerMinute() + " a minute");
            lastRequest = FanOut.first(packet);
        }
        checkOwn(packet);
        SignalRouter.SearchBudget budget = () -> {
            long waitMs = searches.tryTake(1, node.clock().millis());
            return waitMs == 0 ? null : new ProtocolException(ErrorCode.RATE_LIMITED, String.format(
                    "chat packets to users not known here ('%s'): more than %d/s need a mesh search; retry in %d ms",
                    packet.getTo(), relay.limits().searchesPerS(), waitMs));
        };
        // One after the other per recipient device, as call signals: packets that wait for the same
        // search would otherwise leave in reverse (its callbacks run last-in first-out), and land in
        // a mailbox in that order. Per device, not per user: the copy for an offline device (stored
        // on the replicas) does not hold up the copies for the online ones.
        String to = packet.getTo() + "/" + HexFormat.of().formatHex(packet.getRecipientDevice().toByteArray());
        CompletableFuture<Void> previous = routing.getOrDefault(to, CompletableFuture.completedFuture(null));
        CompletableFuture<Void> sent = previous.handle((ok, e) -> null)
                .thenComposeAsync(x -> relay.send(packet, budget), loop);
        routing.put(to, sent);
        sent.whenCompleteAsync((ok, e) -> routing.remove(to, sent), loop);
        return sent;
    }

    /** A packet from this session: well-formed (the signature is the recipient's business) and from its user. */
    private void checkOwn(ChatPacket packet) throws ProtocolException {
        if (!packet.getFrom().equals(user.get())) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "chat packet from '" + packet.getFrom() + "' on the session of '"
                    + user.get() + "'");
        }
        if (packet.getSerializedSize() > ChatSeals.MAX_SEALED_BYTES + 2048) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("chat packet: %d bytes (expected: <= %d)",
                    packet.getSerializedSize(), ChatSeals.MAX_SEALED_BYTES + 2048));
        }
        byte[] key = node.serverKey().get();
        if (key == null) {
            throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known");
        }
        ChatSeals.verify(packet, key); // a replica checks it again; refusing here costs the sender, not the mesh
    }

    private CompletableFuture<Void> ack(Envelope msg) throws ProtocolException {
        byte[] key = node.serverKey().get();
        if (key == null) {
            throw new ProtocolException(ErrorCode.INTERNAL, "login server key not yet known");
        }
        String owner = MailboxAcks.verify(key, msg.getMailboxAck(), node.clock().instant());
        if (!owner.equals(user.get())) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "mailbox ack for '" + owner + "' on the session of '" + user.get() + "'");
        }
        return relay.ack(msg.getMailboxAck());
    }

    private void setWill(PresenceWill w) throws ProtocolException {
        take(wills, "presence wills", "1/s");
        int max = relay.limits().maxWill();
        if (w.getPacketsCount() > max) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("presence will: %d packets (expected: <= %d)",
                    w.getPacketsCount(), max));
        }
        for (ChatPacket p : w.getPacketsList()) {
            if (p.getPurpose() != ChatPurpose.PRESENCE || p.getStore()) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "presence will: a " + p.getPurpose() + " packet");
            }
            if (!p.getFrom().equals(user.get()) || p.getSealed().size() > ChatSeals.MAX_SEALED_BYTES) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "presence will: a packet from '" + p.getFrom() + "'");
            }
        }
        will = List.copyOf(w.getPacketsList());
    }

    private void take(RateBucket bucket, String what, String rate) throws ProtocolException {
        long waitMs = bucket.tryTake(1, node.clock().millis());
        if (waitMs > 0) {
            throw new ProtocolException(ErrorCode.RATE_LIMITED, String.format("%s: more than %s; retry in %d ms", what, rate, waitMs));
        }
    }

    /** The session ended with no successor: its presence will goes out. */
    void ended() {
        if (!will.isEmpty()) {
            relay.fireWill(will);
            will = List.of();
        }
    }
}
