package dev.parley.client.call;

import dev.parley.nat.ice.CheckConfig;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * NAT traversal of calls (docs/nat.md).
 *
 * @param stunServers STUN servers for the server-reflexive candidate (the super node's UDP port), resolved per call
 * @param relays relay allocation and TCP relay links
 * @param checks connectivity-check timings
 * @param relayOnly offer and check only relayed candidates (tests, relay measurements)
 */
public record NatTraversal(Supplier<List<InetSocketAddress>> stunServers, RelayService relays,
        CheckConfig checks, boolean relayOnly) {
    /** Host candidates only: no STUN, no relay. */
    public static final NatTraversal NONE = new NatTraversal(List::of, RelayService.NONE, CheckConfig.DEFAULTS);

    /** Every candidate type allowed. */
    public NatTraversal(Supplier<List<InetSocketAddress>> stunServers, RelayService relays,
            CheckConfig checks) {
        this(stunServers, relays, checks, false);
    }
}
