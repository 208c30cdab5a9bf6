package dev.parley.login;

import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import dev.parley.protocol.wire.SuperNodeQuery;
import dev.parley.protocol.wire.SuperNodeQueryResult;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The certified super nodes connected to this login server (their login links), with the load
 * their last heartbeat reported, and the queries the login server sends them for administrators
 * ({@code SuperNodeQuery} pushes answered by {@code SuperNodeQueryResult}, docs/protocol.md "Administration").
 *
 * <p>A link is recorded by {@link LoginHandler} when it accepts a heartbeat (so only on a
 * connection that proved possession of a certified node key) and forgotten when its channel closes.
 * An answer completes a query only if it arrives on the channel the query was sent on, so no other
 * connection can answer for a super node. Bounded: at most {@code maxLinks} links and
 * {@value #MAX_PENDING} pending queries. Thread-safe (concurrent maps; called from event loops and workers).
 */
public final class SuperNodeLinks {
    /** Queries awaiting an answer, at most. */
    public static final int MAX_PENDING = 1024;
    /** How long a super node has to answer a query. */
    public static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

    /**
     * One connected super node.
     *
     * @param address its certified address
     * @param channel its login link
     * @param certificate the certificate it heartbeats under
     * @param load its last heartbeat (load fields)
     * @param heardAtMs when that heartbeat arrived, epoch ms
     */
    public record Link(HostPort address, Channel channel, SuperNodeCertificate certificate, SuperNodeHeartbeat load,
            long heardAtMs) {}

    private record Pending(Channel channel, CompletableFuture<SuperNodeQueryResult> result) {}

    private final int maxLinks;
    private final ConcurrentHashMap<HostPort, Link> links = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextQueryId = new AtomicLong(1);

    /** @param maxLinks most super nodes held (positive) */
    public SuperNodeLinks(int maxLinks) {
        if (maxLinks < 1) {
            throw new IllegalArgumentException(String.format("maxLinks: %d (expected: >= 1)", maxLinks));
        }
        this.maxLinks = maxLinks;
    }

    /**
     * Records an accepted heartbeat.
     *
     * @param address the certified address it named
     * @param channel the connection it came on
     * @param certificate the certificate of that connection
     * @param heartbeat the heartbeat (its load fields)
     * @param nowMs now, epoch ms
     */
    public void heard(HostPort address, Channel channel, SuperNodeCertificate certificate, SuperNodeHeartbeat heartbeat,
            long nowMs) {
        if (!links.containsKey(address) && links.size() >= maxLinks) {
            return; // full: the directory still serves it, only the admin listing misses it
        }
        Link previous = links.put(address, new Link(address, channel, certificate, heartbeat, nowMs));
        if (previous == null || previous.channel() != channel) {
            channel.closeFuture().addListener(f -> links.computeIfPresent(address,
                    (k, link) -> link.channel() == channel ? null : link));
        }
    }

    /** @return the connected super nodes, in no particular order */
    public List<Link> links() {
        List<Link> result = new ArrayList<>();
        for (Link l : links.values()) {
            if (l.channel().isActive()) {
                result.add(l);
            }
        }
        return result;
    }

    /**
     * Sends a query to the super node at {@code address}.
     *
     * @param query the query; its id is set here
     * @return completes with the answer, or exceptionally with {@link ProtocolException}
     *     USER_OFFLINE (no such super node connected), RATE_LIMITED (too many pending) or
     *     BUSY (no answer within {@link #QUERY_TIMEOUT})
     */
    public CompletableFuture<SuperNodeQueryResult> query(HostPort address, SuperNodeQuery.Builder query) {
        Link link = links.get(address);
        if (link == null || !link.channel().isActive()) {
            return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.USER_OFFLINE,
                    "super node " + address + ": not connected to this login server"));
        }
        return query(link.channel(), query);
    }

    /** As {@link #query(HostPort, SuperNodeQuery.Builder)}, on a known link's channel. */
    public CompletableFuture<SuperNodeQueryResult> query(Channel channel, SuperNodeQuery.Builder query) {
        if (pending.size() >= MAX_PENDING) {
            return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.RATE_LIMITED,
                    String.format("pending super-node queries: %d (expected: < %d)", pending.size(), MAX_PENDING)));
        }
        long id = nextQueryId.getAndIncrement();
        CompletableFuture<SuperNodeQueryResult> result = new CompletableFuture<>();
        pending.put(id, new Pending(channel, result));
        result.whenComplete((r, e) -> pending.remove(id));
        channel.writeAndFlush(Envelopes.builder(0).setSupernodeQuery(query.setQueryId(id)).build());
        return result.orTimeout(QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(e ->
                CompletableFuture.failedFuture(e instanceof TimeoutException
                        ? new ProtocolException(ErrorCode.BUSY, "super node " + channel.remoteAddress()
                                + " did not answer within " + QUERY_TIMEOUT.toMillis() + " ms")
                        : e));
    }

    /**
     * Completes the query {@code result} answers, if it was sent on {@code from}.
     *
     * @return whether it answered a pending query
     */
    public boolean answered(Channel from, SuperNodeQueryResult result) {
        Pending p = pending.get(result.getQueryId());
        if (p == null || p.channel() != from) {
            return false;
        }
        return p.result().complete(result);
    }
}
