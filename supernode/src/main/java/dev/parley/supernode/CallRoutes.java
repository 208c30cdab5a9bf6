package dev.parley.supernode;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The calls this super node routed signals of for one client connection: call id → the other
 * party. When the client's connection drops, its peers in these calls are told
 * ({@code PeerGone}, docs/protocol.md "Peer gone"); a {@code PeerGone} from elsewhere reaches the
 * client only for a call listed here with the user it names, so nobody can end calls this super
 * node did not route. The super node cannot see which calls ended (signals are sealed), so the
 * list keeps the {@value #MAX_CALLS} most recent; a notice for an old call is ignored by the client.
 *
 * <p>Kept on the client's channel and confined to its event loop.
 */
final class CallRoutes {
    /** Calls remembered per connection (a client is in one call, and a few recent ones). */
    static final int MAX_CALLS = 8;
    private static final AttributeKey<CallRoutes> KEY = AttributeKey.valueOf("parley.callRoutes");

    /** One routed call. */
    record Route(String callId, String peer) {}

    private final Map<String, String> peers = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_CALLS;
        }
    };

    private CallRoutes() {}

    /** @return the routes of {@code channel} (created on first use); call on its event loop */
    static CallRoutes of(Channel channel) {
        CallRoutes routes = channel.attr(KEY).get();
        if (routes == null) {
            routes = new CallRoutes();
            channel.attr(KEY).set(routes);
        }
        return routes;
    }

    /**
     * Remembers that a signal of {@code callId} with {@code peer} passed for the client on {@code channel}.
     * Any thread: the change runs on the channel's event loop, queued before anything written after it.
     */
    static void remember(Channel channel, String callId, String peer) {
        channel.eventLoop().execute(() -> of(channel).add(callId, peer));
    }

    /** Remembers a call whose signal this client sent through us; on the loop. */
    void add(String callId, String peer) {
        peers.put(callId, peer);
    }

    /** @return true if this super node routed signals of {@code callId} between this client and {@code peer}; on the loop */
    boolean routed(String callId, String peer) {
        return peer.equals(peers.get(callId));
    }

    /** @return the routed calls, oldest first; on the loop */
    List<Route> all() {
        return peers.entrySet().stream().map(e -> new Route(e.getKey(), e.getValue())).toList();
    }
}
